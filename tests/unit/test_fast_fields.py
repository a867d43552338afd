"""The fields of igp.forms_util (issue 21) render exactly the HTML of WTForms' own widgets and labels: the
same attributes in the same order, the same escaping of names, values and labels, the validation
attributes from the validators, selected options and the values typed before."""
from __future__ import annotations

import wtforms
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import html_params as wtforms_html_params

from igp import forms_util
from igp.forms_util import options

ODD = 'Kim <b>& "Co"</b> \'s'
CHOICES = [("", "Kies..."), ("a", "Een"), ("b&c", ODD), ("d", "")]


def _forms():
    """(ours, theirs): the same fields, the first with igp.forms_util's classes."""

    def make(mod):
        class _Form(Form):
            text = mod.StringField("Naam", validators=[Length(max=80)])
            required = mod.StringField("Verplicht", validators=[DataRequired()])
            styled = mod.StringField("Stijl", render_kw={"class": "wide", "data_role": "naam"})
            at = mod.DateTimeLocalField("Op", format=["%Y-%m-%dT%H:%M"], validators=[Optional()])
            note = mod.TextAreaField("Notitie", validators=[Length(min=2, max=500)])
            plain = mod.TextAreaField("Tekst")
            kind = mod.SelectField("Soort", choices=options(CHOICES), validate_choice=False)
            needed = mod.SelectField("Nodig", choices=options(CHOICES), validators=[DataRequired()])
            numbered = mod.SelectField("Getal", coerce=int, choices=options([(1, "Een"), (2, "Twee")]))
            flagged = mod.SelectField("Vlag", choices=options([(True, "Ja"), (False, "Nee")]), coerce=lambda v: v)
            marked = mod.SelectField("Met attribuut", choices=[SelectChoice("x", "X", render_kw={"disabled": True})])
        return _Form

    return make(forms_util), make(wtforms)


def _pairs(formdata=None, data=None):
    ours, theirs = _forms()
    return ours(formdata=formdata, data=data, prefix="intake"), theirs(formdata=formdata, data=data, prefix="intake")


KWARGS = [{}, {"aria-describedby": "x-hint x-error", "aria-invalid": "true"}, {"aria_describedby": "y"},
          {"class_": "a b", "readonly": True, "disabled": False, "value": Markup('q"uote')}]


def test_every_field_renders_what_wtforms_renders_empty_and_with_attributes():
    for ours, theirs in [_pairs(), _pairs(data={"numbered": 2, "flagged": True})]:
        for name in ours._fields:
            for kwargs in KWARGS:
                if "value" in kwargs and name in ("note", "plain", "kind", "needed", "numbered", "flagged", "marked"):
                    continue   # a value attribute belongs to <input>s only
                mine, stock = getattr(ours, name)(**kwargs), getattr(theirs, name)(**kwargs)
                assert isinstance(mine, Markup)
                assert str(mine) == str(stock), (name, kwargs)
            mine, stock = getattr(ours, name).label, getattr(theirs, name).label
            assert isinstance(mine, forms_util.Label) and isinstance(getattr(ours, name).widget, (
                forms_util.TextInput, forms_util.DateTimeLocalInput, forms_util.TextArea, forms_util.Select))
            for args, kwargs in [((), {}), ((ODD,), {}), ((), {"class_": "inline", "for_": "other"}),
                                 ((), {"aria_hidden": True})]:
                assert str(mine(*args, **kwargs)) == str(stock(*args, **kwargs)), (name, args, kwargs)
            assert str(mine.__html__()) == str(stock.__html__()) == str(mine) == str(stock)


def test_typed_values_come_back_escaped_and_chosen_options_selected():
    typed = MultiDict({"intake-text": ODD, "intake-note": "<script>x</script>\n&", "intake-kind": "b&c",
                       "intake-needed": "d", "intake-at": "2026-12-03T09:30", "intake-numbered": "2"})
    ours, theirs = _pairs(formdata=typed)
    for name in ours._fields:
        assert str(getattr(ours, name)()) == str(getattr(theirs, name)()), name
    assert '<option selected value="b&amp;c">Kim &lt;b&gt;&amp; &#34;Co&#34;&lt;/b&gt; &#39;s</option>' in str(ours.kind())
    assert "&lt;script&gt;" in str(ours.note()) and "<script>" not in str(ours.note())
    assert 'maxlength="500" minlength="2"' in str(ours.note())
    assert str(ours.required()).endswith("required type=\"text\" value=\"\">")


def test_html_params_is_wtforms_html_params():
    for kwargs in [{"name": "n", "id": "i"}, {"checked": True, "readonly": False, "abc": ODD},
                   {"data_attr": "user.name", "aria_labelledby": "l", "for_": "x", "class_": "c"},
                   {"value": Markup('a"b'), "title": 3, "x": None}]:
        assert str(forms_util.html_params(**kwargs)) == str(wtforms_html_params(**kwargs)), kwargs
