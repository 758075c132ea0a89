from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import SearchDocument
from tests.factories import publish

pytestmark = pytest.mark.django_db


def test_rebuild_restores_search_documents():
    publish()
    SearchDocument.objects.all().delete()
    out = StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "rebuilt 1 search documents" in out.getvalue()
    assert SearchDocument.objects.count() == 1
