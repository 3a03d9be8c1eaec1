"""Django's own messages that our pages can show and Django's Khmer catalogue lacks.

Nothing imports this module: it exists so that `makemessages` keeps these msgids (and
their Khmer translations) in locale/km/LC_MESSAGES/django.po instead of marking them
obsolete. Our catalogue comes first in LOCALE_PATHS, so its translations win.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

MESSAGES = [
    # Form field validation
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid time."),
    gettext_noop("Enter a valid date/time."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid integer."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid value."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Enter a list of values."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit in total.",
        "Ensure that there are no more than %(max)s digits in total.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s decimal place.",
        "Ensure that there are no more than %(max)s decimal places.",
        "max",
    ),
    ngettext_lazy(
        "Ensure that there are no more than %(max)s digit before the decimal point.",
        "Ensure that there are no more than %(max)s digits before the decimal point.",
        "max",
    ),
    gettext_noop("No file was submitted."),
    gettext_noop(
        "File extension “%(extension)s” is not allowed. "
        "Allowed extensions are: %(allowed_extensions)s."
    ),
    gettext_noop("%(model_name)s with this %(field_label)s already exists."),
    # Log-in form (django.contrib.auth)
    gettext_noop(
        "Please enter a correct %(username)s and password. Note that both "
        "fields may be case-sensitive."
    ),
    # Paginator
    gettext_noop("That page number is not an integer"),
    gettext_noop("That page number is less than 1"),
    gettext_noop("That page contains no results"),
    # Weekday abbreviations (|date:"D" in the follow-up calendar)
    gettext_noop("Mon"),
    gettext_noop("Tue"),
    gettext_noop("Wed"),
    gettext_noop("Thu"),
    gettext_noop("Fri"),
    gettext_noop("Sat"),
    gettext_noop("Sun"),
    # Password change (django.contrib.auth's form and the four validators of
    # AUTH_PASSWORD_VALIDATORS, help texts and errors)
    gettext_noop("Old password"),
    gettext_noop("New password"),
    gettext_noop("New password confirmation"),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("username"),
    gettext_noop("first name"),
    gettext_noop("last name"),
    gettext_noop("email address"),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("This password is too common."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("This password is entirely numeric."),
]
