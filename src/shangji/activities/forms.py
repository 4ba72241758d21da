"""The forms of calls, meetings, tasks and notes: they parse, the services decide."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shangji.contacts.models import Contact
from shangji.core.forms import ServiceModelForm
from shangji.core.uploads import check_attachments
from shangji.users.models import User

from .choices import (
    REMINDABLE_KINDS,
    REMINDER_OFFSETS,
    ActivityKind,
    CallStatus,
    Direction,
    ReminderStatus,
    TaskPriority,
    TaskStatus,
)
from .models import Activity


def datetime_input() -> forms.DateTimeInput:
    """A phone-friendly date-and-time picker (a new widget per field: attrs are per field)."""
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


TEXT_FIELDS = {"subject", "body", "minutes", "status", "direction", "priority", "location"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files at once; an empty list when none."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, list | tuple) else [data]
        files = [super(MultipleFileField, self).clean(item, initial) for item in items if item]
        try:
            check_attachments(files)
        except ValidationError as error:
            raise ValidationError(error.message_dict["attachments"]) from None
        return files


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.display_name


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return user.display_name


class ContactMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, contact):
        return contact.full_name


def _now_to_the_minute() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class ActivityForm(ServiceModelForm):
    """The fields every kind shares; a subclass per kind names its own.

    `users` and `contacts` are the choices already loaded by the page (so rendering costs no
    query); `contact_queryset` is what attendee contacts are validated against. With an
    instance, the form edits it and carries the version it was read at.
    """

    kind = ""
    statuses: type | None = None

    reminders = forms.TypedMultipleChoiceField(
        label=_("reminders"),
        choices=REMINDER_OFFSETS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "reminder-choice"}),
    )

    class Meta:
        model = Activity
        fields: list[str] = []

    def __init__(
        self, *args, users=None, contacts=None, contact_queryset=None, actor=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        if editing:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
            self.initial.setdefault("version", self.instance.version)
        if "status" in self.fields and self.statuses is not None:
            self.fields["status"] = forms.ChoiceField(
                label=_("status"), choices=self.statuses.choices, required=False
            )
        if "starts_at" in self.fields:
            self.fields["starts_at"].widget = datetime_input()
        if "ends_at" in self.fields:
            self.fields["ends_at"].widget = datetime_input()
        if "reminders" in self.fields and self.kind not in REMINDABLE_KINDS:
            del self.fields["reminders"]
        if "owner" in self.fields:
            self._set_user_choices("owner", users, empty=False)
            if actor is not None and not editing:
                self.initial.setdefault("owner", actor.pk)
        if "attendee_users" in self.fields:
            self._set_user_choices("attendee_users", users, empty=False)
        if "attendee_contacts" in self.fields:
            field = self.fields["attendee_contacts"]
            field.queryset = contact_queryset if contact_queryset is not None else field.queryset
            if contacts is not None:
                field.choices = [(contact.pk, contact.full_name) for contact in contacts]
        if editing:
            self._initial_from_instance()

    def _set_user_choices(self, name: str, users, *, empty: bool) -> None:
        if users is None:
            return
        field = self.fields[name]
        field.choices = [*([("", field.empty_label)] if empty else [])] + [
            (user.pk, user.display_name) for user in users
        ]

    def _initial_from_instance(self) -> None:
        instance = self.instance
        if "reminders" in self.fields:
            self.initial.setdefault(
                "reminders",
                sorted(
                    {
                        reminder.minutes_before
                        for reminder in instance.reminders.all()
                        if reminder.recipient_id == instance.owner_id
                        and reminder.status != ReminderStatus.CANCELLED
                    }
                ),
            )
        participants = None
        if "attendee_users" in self.fields or "attendee_contacts" in self.fields:
            participants = list(instance.participants.all())
        if participants is not None and "attendee_users" in self.fields:
            self.initial.setdefault(
                "attendee_users", [p.user_id for p in participants if p.user_id]
            )
        if participants is not None and "attendee_contacts" in self.fields:
            self.initial.setdefault(
                "attendee_contacts", [p.contact_id for p in participants if p.contact_id]
            )

    def service_arguments(self) -> dict:
        """The keyword arguments for activity_create / activity_update (without version)."""
        data = self.cleaned_data
        arguments = {}
        for name in self.Meta.fields:
            value = data.get(name)
            arguments[name] = "" if value is None and name in TEXT_FIELDS else value
        if "owner" in arguments and arguments["owner"] is None:
            del arguments["owner"]
        if "reminders" in self.fields:
            arguments["reminders"] = data.get("reminders") or []
        for name in ("attendee_users", "attendee_contacts"):
            if name in self.fields:
                arguments[name] = list(data.get(name) or [])
        if "attachments" in self.fields:
            arguments["attachments"] = data.get("attachments") or []
        return arguments


class CallForm(ActivityForm):
    kind = ActivityKind.CALL
    statuses = CallStatus

    class Meta(ActivityForm.Meta):
        fields = ["subject", "direction", "status", "starts_at", "duration_minutes", "body"]
        labels = {"starts_at": _("start"), "body": _("notes")}
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("status", CallStatus.HELD)
            self.initial.setdefault("starts_at", _now_to_the_minute())
            self.initial.setdefault("duration_minutes", 15)
            self.initial.setdefault("direction", Direction.OUTBOUND)
        self.fields["duration_minutes"].widget.attrs.update(min=0, step=5)
        self.fields["starts_at"].widget.attrs["required"] = True


class MeetingForm(ActivityForm):
    kind = ActivityKind.MEETING
    statuses = CallStatus

    attendee_users = UserMultipleChoiceField(
        label=_("attendees (users)"),
        queryset=User.objects.filter(is_active=True),
        required=False,
    )
    attendee_contacts = ContactMultipleChoiceField(
        label=_("attendees (contacts)"), queryset=Contact.objects.none(), required=False
    )

    class Meta(ActivityForm.Meta):
        fields = ["subject", "starts_at", "ends_at", "location", "status", "body", "minutes"]
        labels = {"starts_at": _("start"), "ends_at": _("end"), "body": _("agenda")}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].widget.attrs["required"] = True
        self.fields["minutes"].help_text = _("What was agreed, filled in afterwards.")


class TaskForm(ActivityForm):
    kind = ActivityKind.TASK
    statuses = TaskStatus

    owner = UserChoiceField(
        label=_("assigned to"), queryset=User.objects.filter(is_active=True), required=False
    )

    class Meta(ActivityForm.Meta):
        fields = ["subject", "starts_at", "priority", "status", "owner", "body"]
        labels = {"starts_at": _("due"), "body": _("description")}
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].widget.attrs["required"] = True
        if self.instance.pk is None:
            self.initial.setdefault("priority", TaskPriority.MEDIUM)


class NoteForm(ActivityForm):
    kind = ActivityKind.NOTE

    attachments = MultipleFileField(label=_("attachments"))

    class Meta(ActivityForm.Meta):
        fields = ["subject", "body"]
        labels = {"subject": _("title"), "body": _("text")}
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            # Files are added when the note is written; later edits change the text only.
            del self.fields["attachments"]


FORM_CLASSES: dict[str, type[ActivityForm]] = {
    form.kind: form for form in (CallForm, MeetingForm, TaskForm, NoteForm)
}
