"""The interactive API docs, served with the Swagger UI files ninja ships: nothing from a CDN.

Ninja renders its local-asset template only when "ninja" is an installed app; otherwise it
falls back to a page that loads Swagger UI from jsDelivr. This page and the asset route below
do not depend on that setting.
"""

import json
import mimetypes
from pathlib import Path

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI, Router
from ninja.openapi.docs import Swagger

ASSETS_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = frozenset(
    {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-init.js", "favicon.svg", "favicon.png"}
)


class LocalSwagger(Swagger):
    """Swagger UI from this server; the validator badge (a call to swagger.io) is off."""

    template = "api/docs.html"
    default_settings = {**Swagger.default_settings, "validatorUrl": None}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        settings = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        context = {
            "api": api,
            # "<" escaped so the JSON cannot end its <script> element.
            "swagger_settings": json.dumps(settings).replace("<", "\\u003c"),
            "assets_url": reverse(f"{api.urls_namespace}:docs_asset", args=["x"])[:-1],
        }
        return render(request, self.template, context)


router = Router()


@router.get(
    "/docs/assets/{name}",
    auth=None,
    include_in_schema=False,
    url_name="docs_asset",
)
def docs_asset(request, name: str):
    if name not in ASSETS:
        raise Http404(name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse((ASSETS_DIR / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response
