"""WTForms' own messages ("This field is required.") in the request's language.

WTForms ships no Indonesian catalog, and Flask-WTF looks only in WTForms' catalogs. Forms
built on ``TranslatedForm`` read those messages from our own catalog instead
(translations/*/LC_MESSAGES/messages.po holds every msgid of WTForms' wtforms.pot;
tests/admin/test_admin_indonesian.py checks that none is missing).
"""
from __future__ import annotations

from flask_babel import get_translations
from flask_wtf import FlaskForm
from wtforms import Form


class BabelTranslations:
    """The gettext interface WTForms asks its Meta for, answered by Flask-Babel's catalog.
    WTForms formats the result itself (``%(min)d``), so no formatting happens here."""

    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


TRANSLATIONS = BabelTranslations()


class TranslatedForm(FlaskForm):
    """A Flask-WTF form whose built-in validator messages are translated."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS


class TranslatedSubform(Form):
    """A plain WTForms form (no CSRF: it lives inside a FlaskForm, as rows of a FieldList)
    with the same translated messages."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS
