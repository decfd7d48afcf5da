"""Forms for certificates: settings, issuing, revoking, verifying."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class SettingsForm(FlaskForm):
    template = SelectField(_l("Certificate template"))
    auto_issue = BooleanField(
        _l("Issue a certificate automatically when a trainee completes a course")
    )


class IssueForm(FlaskForm):
    #: Chosen from the trainee search (radio buttons, or the script's suggestions); the view
    #: checks that the person is a member of the organisation.
    user_id = IntegerField(_l("Trainee"), validators=[DataRequired()])
    course_slug = SelectField(_l("Course"))
    override_reason = TextAreaField(
        _l("Reason for issuing without a recorded completion"),
        validators=[Optional(), Length(max=2000)],
    )


class BulkIssueForm(FlaskForm):
    cohort_id = SelectField(_l("Cohort"), coerce=int)
    course_slug = SelectField(_l("Course"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class VerifyCodeForm(FlaskForm):
    class Meta:
        csrf = False  # a public GET form

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)])


class VerifyUploadForm(FlaskForm):
    file = FileField(_l("Certificate PDF or JSON credential"), validators=[FileRequired()])
