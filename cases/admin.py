"""Admin for the cases app. Case lists never show names; notes are never
changed here (their text is not even shown), and restricted notes are listed
only to their author and center managers, administrators included."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from smf.core.admin import AuditedAdmin, SectionInline

from .models import Case, CaseNote, Consent, Hearing, LegalCase


class ConsentInline(SectionInline):
    model = Consent
    extra = 0
    fields = ("purpose", "given_on", "withdrawn_on", "recorded_by")
    raw_id_fields = ("recorded_by",)


@admin.register(Case)
class CaseAdmin(AuditedAdmin):
    case_code_of = staticmethod(lambda obj: obj.code)
    # Names are never listed nor searchable here (encrypted; and lists get
    # shoulder-surfed): search by case code only.
    list_display = ("code", "intake_date", "sex", "birth_year", "exploitation_type", "version")
    list_filter = ("exploitation_type", "referral_source", "sex")
    search_fields = ("code",)
    # Names and contact details are changed in the case file, where the change
    # is version-checked, audited and the blind index kept in step.
    exclude = ("given_name", "family_name", "phone", "address", "name_index")
    readonly_fields = ("uuid", "version", "created_at", "updated_at", "created_by")
    raw_id_fields = ("assigned_social_worker",)
    date_hierarchy = "intake_date"
    inlines = [ConsentInline]


@admin.register(Consent)
class ConsentAdmin(AuditedAdmin):
    list_display = ("case", "purpose", "given_on", "withdrawn_on")
    list_filter = ("purpose",)
    search_fields = ("case__code",)
    raw_id_fields = ("case", "recorded_by", "withdrawn_recorded_by")


class HearingInline(SectionInline):
    model = Hearing
    extra = 0
    fields = ("held_on", "court", "stage", "note")


class LegalCaseAdminForm(forms.ModelForm):
    def clean_reference(self):
        # Unique through reference_index, which the form does not hold.
        reference = self.cleaned_data["reference"].strip()
        others = LegalCase.objects.filter(reference=reference).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError(_("A legal case with this reference exists."))
        return reference


def _with_reference(queryset, results, search_term: str, path: str):
    """Search results plus the legal cases of exactly this court reference: the
    reference is encrypted, found whole (by its keyed hash), never by a part."""
    term = search_term.strip()
    if term:
        results |= queryset.filter(**{path: term})
    return results


@admin.register(LegalCase)
class LegalCaseAdmin(AuditedAdmin):
    form = LegalCaseAdminForm
    list_display = ("reference", "case", "opened_on", "outcome", "closed_on")
    list_filter = ("outcome",)
    search_fields = ("case__code",)
    # Encrypted columns: an SQL order would be the order of the tokens.
    sortable_by = ("case", "opened_on", "outcome", "closed_on")
    raw_id_fields = ("case",)
    inlines = [HearingInline]

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        return _with_reference(queryset, results, search_term, "reference"), duplicates


@admin.register(Hearing)
class HearingAdmin(AuditedAdmin):
    case_code_of = staticmethod(
        lambda obj: obj.legal_case.case.code if obj.legal_case.case_id else ""
    )
    list_display = ("legal_case", "held_on", "court", "stage")
    list_filter = ("stage",)
    search_fields = ("legal_case__case__code",)
    sortable_by = ("legal_case", "held_on", "stage")
    raw_id_fields = ("legal_case",)

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        return _with_reference(queryset, results, search_term, "legal_case__reference"), duplicates


@admin.register(CaseNote)
class CaseNoteAdmin(AuditedAdmin):
    # The text is neither listed nor shown: a restricted note is for its author
    # and the center managers (CaseNote.objects.readable_by), and the admin
    # is for finding a note, not reading it. Notes are written in the case file.
    exclude = ("text",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # A note's confidentiality is never flipped here: a restricted note
        # stays between its author and the center managers.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return CaseNote.objects.readable_by(request.user).select_related("case", "author")

    list_display = ("case", "written_on", "kind", "confidentiality", "author")
    list_filter = ("kind", "confidentiality")
    search_fields = ("case__code",)
    raw_id_fields = ("case", "author")
