"""The emails staff may edit: each named email the app that sends it registers here, with its
placeholders (what staff may write between {{ }}) and a sample context for previews.

An edited email is a subject and a plain-text body, Django templates limited to the registered
placeholders, a few harmless filters and {% if %}/{% elif %}/{% else %}/{% endif %}: staff write
words, not code, and can neither reach other data nor break the site. The checks run when staff
save and again each time the email is rendered.

This module knows nothing of what the emails are about: mentoring registers its own
(mentoring/email_catalog.py).
"""

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import Lexer, TextNode, TokenType, Variable, VariableNode
from django.template.defaulttags import IfNode
from django.template.loader import get_template

from notifications.models import EmailTemplate

# Added to every email's context by notifications.emails.render().
COMMON_PLACEHOLDERS = {"site_url": "the address of the site"}
ALLOWED_TAGS = ("if", "elif", "else", "endif")
ALLOWED_FILTERS = ("default", "date", "upper", "lower", "title", "capfirst")

# Staff templates compile with a bare engine: no template loaders, no extra tag libraries.
_engine = Engine()


@dataclass(frozen=True)
class Email:
    name: str
    title: str
    description: str
    placeholders: dict[str, str]
    sample: Callable[[], dict]

    @property
    def all_placeholders(self) -> dict[str, str]:
        return {**self.placeholders, **COMMON_PLACEHOLDERS}


_registry: dict[str, Email] = {}


def register(
    name: str,
    *,
    title: str,
    description: str,
    placeholders: dict[str, str],
    sample: Callable[[], dict],
) -> None:
    """Offer the email `name` (its templates are emails/<name>.subject.txt, .txt, .html) to
    staff. `placeholders` maps each dotted name staff may use to its meaning; `sample()` returns
    a context of plain values (dicts, strings, numbers, dates) in the shape the real one has."""
    _registry[name] = Email(name, title, description, dict(placeholders), sample)


def emails() -> list[Email]:
    return sorted(_registry.values(), key=lambda email: email.title)


def get(name: str) -> Email | None:
    return _registry.get(name)


# --- Staff-edited versions -------------------------------------------------------------------


def edited(name: str) -> EmailTemplate | None:
    return EmailTemplate.objects.filter(name=name).first()


def edited_templates() -> dict[str, EmailTemplate]:
    """Every edited email by name, with who saved it last."""
    templates = EmailTemplate.objects.select_related("updated_by__profile")
    return {template.name: template for template in templates}


_WRAPPER = re.compile(
    r"^\s*\{%\s*extends\s+\S+\s*%\}\s*\{%\s*block\s+content\s*%\}(?P<content>.*?)"
    r"\{%\s*endblock(?:\s+content)?\s*%\}\s*$",
    re.DOTALL,
)


def default_source(name: str) -> tuple[str, str]:
    """(subject, body) of the default trio as a starting point for staff: the template source of
    the subject and of the plain text, without the text's layout wrapper."""
    subject = get_template(f"emails/{name}.subject.txt").template.source.strip()
    body = get_template(f"emails/{name}.txt").template.source
    if match := _WRAPPER.match(body):
        body = match["content"]
    return subject, body.strip() + "\n"


def compile_edited(name: str, subject: str, body: str):
    """The compiled (subject, body) templates, or a ValidationError keyed "subject"/"body" that
    names each problem."""
    email = get(name)
    if email is None:
        raise ValidationError(f"No email is called {name!r}.")
    errors, templates = {}, []
    for field, source in (("subject", subject), ("body", body)):
        try:
            templates.append(_compile(source, email.all_placeholders))
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)
    return tuple(templates)


def check_edited(name: str, subject: str, body: str) -> None:
    """Compile, then render with the sample data to prove that the edited email renders."""
    templates = compile_edited(name, subject, body)
    sample = get(name).sample()
    errors = {}
    for field, template in zip(("subject", "body"), templates, strict=True):
        try:
            template.render(Context(sample, autoescape=False))
        except Exception as error:  # Whatever goes wrong, staff must read it, not a 500.
            errors[field] = [f"It does not render with the sample data: {error}"]
    if errors:
        raise ValidationError(errors)


def save_edited(name: str, *, subject: str, body: str, by) -> EmailTemplate:
    """Replace the default subject and body of `name` with staff's; refused (ValidationError)
    if they do not render."""
    check_edited(name, subject, body)
    template, _ = EmailTemplate.objects.update_or_create(
        name=name, defaults={"subject": subject, "body": body, "updated_by": by}
    )
    return template


def reset_edited(name: str) -> bool:
    """Back to the default templates; False if the email was not edited."""
    deleted, _ = EmailTemplate.objects.filter(name=name).delete()
    return bool(deleted)


# --- The checks ------------------------------------------------------------------------------


def _tag_list(names) -> str:
    return ", ".join(f"{{% {name} %}}" for name in names)


def _compile(source: str, placeholders: dict[str, str]):
    problems = []
    # Tags first, from the raw tokens: an unknown or loaded tag would otherwise fail to compile
    # with a message about tag libraries rather than the rule staff need to know.
    for token in Lexer(source).tokenize():
        if token.token_type != TokenType.BLOCK or not token.contents.split():
            continue
        tag = token.contents.split()[0]
        if tag not in ALLOWED_TAGS:
            problems.append(
                f"Line {token.lineno}: the tag {{% {tag} %}} is not allowed; "
                f"use only {_tag_list(ALLOWED_TAGS)}."
            )
    if problems:
        raise ValidationError(problems)
    try:
        template = _engine.from_string(source)
    except TemplateSyntaxError as error:
        raise ValidationError(f"The template has a syntax error: {error}") from None
    _check_nodes(template.nodelist, placeholders, problems)
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))
    return template


def _check_nodes(nodelist, placeholders, problems):
    for node in nodelist:
        if isinstance(node, TextNode):
            continue
        if isinstance(node, VariableNode):
            _check_expression(node.filter_expression, placeholders, problems)
        elif isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                if condition is not None:
                    _check_condition(condition, placeholders, problems)
                _check_nodes(branch, placeholders, problems)
        else:  # The token check lets no other tag through; this keeps it so.
            problems.append(f"{node.token.contents!r} is not allowed.")


def _check_condition(condition, placeholders, problems):
    """An {% if %} condition is a tree of operators whose leaves hold filter expressions."""
    if hasattr(condition, "value") and hasattr(condition.value, "filters"):
        _check_expression(condition.value, placeholders, problems)
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if part is not None:
            _check_condition(part, placeholders, problems)


def _check_expression(expression, placeholders, problems):
    _check_variable(expression.var, placeholders, problems)
    for function, arguments in expression.filters:
        name = getattr(function, "_filter_name", function.__name__)
        if name not in ALLOWED_FILTERS:
            allowed = ", ".join(f"|{allowed}" for allowed in ALLOWED_FILTERS)
            problems.append(f"The filter |{name} is not allowed; use only {allowed}.")
        for is_variable, argument in arguments:
            if is_variable:
                _check_variable(argument, placeholders, problems)


def _check_variable(variable, placeholders, problems):
    if not isinstance(variable, Variable) or variable.lookups is None:
        return  # A literal: "text" or 3.
    name = ".".join(variable.lookups)
    if name in placeholders:
        return
    message = f"{{{{ {name} }}}} is not a placeholder of this email."
    if close := difflib.get_close_matches(name, placeholders, n=1):
        message += f" Did you mean {{{{ {close[0]} }}}}?"
    problems.append(message)
