"""Forms for organisations, members and cohorts."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

ROLE_CHOICES = [
    SelectChoice("trainee", _l("Trainee")),
    SelectChoice("instructor", _l("Instructor")),
    SelectChoice("org_admin", _l("Organisation admin")),
]
IMAGE_TYPES = ["png", "jpg", "jpeg", "svg"]


class OrganisationForm(FlaskForm):
    slug = StringField(
        _l("Address name (letters, digits, hyphens)"),
        validators=[DataRequired(), Length(max=64), Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$")],
    )
    name_zh = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    signatory_name = StringField(_l("Signatory's name"), validators=[Optional(), Length(max=120)])
    signatory_title_zh = StringField(_l("Signatory's title in Chinese"), validators=[Optional()])
    signatory_title_en = StringField(_l("Signatory's title in English"), validators=[Optional()])
    self_registration = BooleanField(_l("People may join by themselves"), default=True)


class OrganisationSettingsForm(OrganisationForm):
    slug = None
    logo = FileField(_l("Logo"), validators=[FileAllowed(IMAGE_TYPES)])
    seal = FileField(_l("Seal"), validators=[FileAllowed(IMAGE_TYPES)])
    signature = FileField(_l("Signature image"), validators=[FileAllowed(IMAGE_TYPES)])


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class StaffImportForm(FlaskForm):
    file = FileField(
        _l("Staff list (CSV)"), validators=[FileRequired(), FileAllowed(["csv", "txt"])]
    )


class ConfirmImportForm(FlaskForm):
    """Only the CSRF token: the import to confirm is in the address."""


class CohortForm(FlaskForm):
    name = StringField(_l("Cohort name"), validators=[DataRequired(), Length(max=120)])


class AssignmentForm(FlaskForm):
    """The course is chosen from the published courses (the view fills ``choices``); the
    service refuses any other slug, so a hand-made request cannot assign a phantom course."""

    course_slug = SelectField(
        _l("Course"), validators=[DataRequired(), Length(max=120)], validate_choice=False
    )
    due_on = DateField(_l("Due date"), validators=[Optional()])
