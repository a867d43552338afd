"""Shared helpers of the pages: form choices and what a page does with a refused command."""
from urllib.parse import urlsplit

import wtforms
import wtforms.fields
import wtforms.widgets
from flask import flash
from markupsafe import Markup, escape
from wtforms import SelectChoice, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.widgets.core import clean_key

from igp.errors import ServiceError, ValidationError
from igp.extensions import db


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs (or a dict) as WTForms SelectChoice objects."""
    if isinstance(pairs, dict):
        pairs = pairs.items()
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def refusal_errors(exc: ServiceError) -> dict[str, str]:
    """A refused command on a page: undo what the request wrote so far, and give the field
    messages for the form (a refusal that names no field under "_")."""
    db.session.rollback()
    return dict(exc.errors) if isinstance(exc, ValidationError) else {"_": exc.message}


def flash_refusal(exc: ServiceError) -> None:
    """A refused command on a page that shows messages at the top: undo the request's writes and
    flash every reason."""
    for message in refusal_errors(exc).values():
        flash(message, "error")


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site, else ``default``: no scheme, no host, no control characters or
    backslashes (browsers drop tabs and newlines, so '/<tab>/evil.example' would become '//evil.example')."""
    if not target or any(ord(c) < 33 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target.rstrip("?")


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice as checkboxes."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def checkboxes(self) -> Markup:
        """One <div class="checkbox"> per option (the input, then its label), as the field macro of
        templates/macros.html shows them, built in one pass: through WTForms each option is a field
        of its own, and a list of a region's hundreds of people (the intake's participants) cost
        15 ms a page that way (issue 21). Options with attributes of their own take WTForms' way."""
        choices = [(c.value, c.label, c.selected, c.render_kw) if hasattr(c, "selected") else c
                   for c in self.iter_choices()]
        if self.render_kw or any(render_kw for *_, render_kw in choices):
            return Markup("\n".join(f'<div class="checkbox">{option()} {option.label}</div>' for option in self))
        name = escape(self.name)
        parts = []
        for index, (value, label, selected, _) in enumerate(choices):
            option_id = escape(f"{self.id}-{index}")
            checked = " checked" if selected else ""
            parts.append(f'<div class="checkbox"><input{checked} id="{option_id}" name="{name}" type="checkbox" '
                         f'value="{escape(value)}"> <label for="{option_id}">{escape(label or value)}</label></div>')
        return Markup("\n".join(parts))  # every value in it is escaped (markupsafe.escape)


# ------------------------------------------------------------------ fields that render faster
# WTForms writes every attribute through Markup.format (about 300 function calls for one textarea);
# the family page renders some fifteen fields and forty options a request. These fields render
# the same HTML, to the character (tests/unit/test_fast_fields.py compares them with WTForms' own
# widgets for every field type and case), with one plain f-string per attribute.

def html_params(**kwargs) -> Markup:
    """wtforms.widgets.html_params, the same output: sorted, ``True`` as a bare attribute, ``False``
    left out, ``data_``/``aria_`` with hyphens, every name and value escaped (a quote in a value
    that was Markup already as &quot;)."""
    params = []
    for key, value in sorted(kwargs.items()):
        if value is False:
            continue
        name = str(escape(clean_key(key)))
        params.append(name if value is True else f'{name}="{str.replace(escape(value), chr(34), "&quot;")}"')
    return Markup(" ".join(params))


def _validation_attrs(widget, field, kwargs: dict) -> None:
    flags = getattr(field, "flags", {})
    for key in dir(flags):
        if key in widget.validation_attrs and key not in kwargs:
            kwargs[key] = getattr(flags, key)


class TextInput(wtforms.widgets.TextInput):
    html_params = staticmethod(html_params)


class DateTimeLocalInput(wtforms.widgets.DateTimeLocalInput):
    html_params = staticmethod(html_params)


class TextArea(wtforms.widgets.TextArea):
    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        _validation_attrs(self, field, kwargs)
        return Markup(f"<textarea {html_params(name=field.name, **kwargs)}>\r\n{escape(field._value())}</textarea>")


class Select(wtforms.widgets.Select):
    def __call__(self, field, **kwargs):
        if field.has_groups():   # <optgroup>s: WTForms' own way
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        _validation_attrs(self, field, kwargs)
        parts = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for choice in field.iter_choices():
            value = str(choice.value) if isinstance(choice.value, bool) else choice.value
            attributes = {"value": value, **(choice.render_kw or {})}
            if choice.selected:
                attributes["selected"] = True
            parts.append(f"<option {html_params(**attributes)}>{escape(choice.label or choice.value)}</option>")
        parts.append("</select>")
        return Markup("".join(parts))  # every name, value and label in it is escaped


class Label(wtforms.fields.Label):
    def __call__(self, text=None, **kwargs):
        if "for_" in kwargs:
            kwargs["for"] = kwargs.pop("for_")
        else:
            kwargs.setdefault("for", self.field_id)
        attributes = html_params(**kwargs)
        return Markup(f"<label{' ' if attributes else ''}{attributes}>{escape(text or self.text)}</label>")


class _FastLabel:
    """The field's <label> through the same html_params."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label = Label(self.label.field_id, self.label.text)


class StringField(_FastLabel, wtforms.StringField):
    widget = TextInput()


class DateTimeLocalField(_FastLabel, wtforms.DateTimeLocalField):
    widget = DateTimeLocalInput()


class TextAreaField(_FastLabel, wtforms.TextAreaField):
    widget = TextArea()


class SelectField(_FastLabel, wtforms.SelectField):
    widget = Select()
