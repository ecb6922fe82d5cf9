from django.utils.functional import SimpleLazyObject

from mentoring.models import ProgramSettings


def program(request):
    """`program` in every template: the role names staff chose, read once per request."""
    return {"program": SimpleLazyObject(ProgramSettings.current)}
