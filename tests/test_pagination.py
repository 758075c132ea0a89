"""Every paged list of the API is strict the same way (mesh_portal.pagination): a page that is
not a whole number from 1 is a 404, a bad page_size a 400, and odd digits like "²" never a 500."""

import pytest

from tests.factories import make_user

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/access-requests/", "/api/v1/grants/", "/api/v1/alerts/", "/api/v1/waivers/"]


@pytest.mark.parametrize("path", LISTS)
def test_bad_pages_are_404_and_bad_page_sizes_400_never_500(client, path):
    client.force_login(make_user("analyst", role="analyst", home_domain="sales"))
    assert client.get(path).status_code == 200
    for page in ("0", "", "last", "²", "1.5", "9" * 30):
        assert client.get(path, {"page": page}).status_code == 404, page
    for size in ("0", "", "²", "-1", "100000", "9" * 30):
        response = client.get(path, {"page_size": size})
        assert response.status_code == 400, size
        assert response.json()["error"]["code"] == "invalid"
