"""The upload form of the browser import."""

from __future__ import annotations

import zipfile

from django import forms
from django.utils.translation import gettext_lazy as _

# Larger exports go through `manage.py import_records` on the server.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024


class ImportUploadForm(forms.Form):
    archive = forms.FileField(
        label=_("Zip archive of the CSV files"),
        help_text=_(
            "A .zip of the folder of CSV files (cases.csv, stays.csv, ...). "
            "Nothing is written before you have seen the check and confirmed."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if archive.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The archive is larger than %(mb)s MB: use the import_records command."),
                params={"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
            )
        if not zipfile.is_zipfile(archive):
            raise forms.ValidationError(_("This is not a zip archive."))
        archive.seek(0)
        return archive
