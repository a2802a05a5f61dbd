"""A view's 404 shows the application's page even with DEBUG on (the embedded profile)."""

from django.urls import reverse


def test_an_out_of_scope_lookup_with_debug_on_shows_the_app_page_not_the_technical_one(
    client, settings, clara
):
    settings.DEBUG = True
    client.force_login(clara)
    # A well-formed client id that matches nothing: the scoped lookup raises Http404.
    url = reverse("clients:detail", args=["00000000-0000-4000-8000-000000000000"])
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found at" not in body and "URLconf" not in body
    assert 'data-testid="current-user"' in body  # rendered in the application's layout
