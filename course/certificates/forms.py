"""Forms for certificates: settings, issuing, revoking, verifying."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from course.certificates.verification import REVOCATION_REASON_LABELS, SERIAL_PATTERN


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
    reissue = BooleanField(
        _l("Also issue a new certificate to trainees who already hold a valid one")
    )
    #: Set by the confirmation step; without it the request only shows what would happen.
    confirmed = HiddenField()


#: The public reasons as the pages show them (keys of ``models.REVOCATION_REASONS``).


class RevokeForm(FlaskForm):
    reason = SelectField(
        _l("Public reason"),
        choices=[SelectChoice(key, label) for key, label in REVOCATION_REASON_LABELS.items()],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Internal note (only your organisation's staff see it)"),
        validators=[Optional(), Length(max=2000)],
    )
    confirmed = HiddenField()


class ConfirmForm(FlaskForm):
    confirmed = HiddenField()


class VerifyCodeForm(FlaskForm):
    class Meta:
        csrf = False  # a public GET form

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)])

    def validate_code(self, field: StringField) -> None:
        # Serials are sequential: looking certificates up by serial would let anyone list
        # holders' names. Say which value to type instead.
        if SERIAL_PATTERN.match((field.data or "").strip()):
            raise ValidationError(
                _l(
                    "This is the certificate's serial number. Type the verification code "
                    "printed next to it (22 letters and digits, under the QR code), or upload "
                    "the certificate's PDF below."
                )
            )


class VerifyUploadForm(FlaskForm):
    file = FileField(_l("Certificate PDF or JSON credential"), validators=[FileRequired()])
