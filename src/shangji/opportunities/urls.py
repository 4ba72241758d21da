from django.urls import include, path

from . import bulk_views, list_views, views

app_name = "opportunities"
urlpatterns = [
    path("", list_views.opportunity_list_view, name="opportunity_list"),
    path("board/", include("shangji.opportunities.board_urls")),
    path("export/", list_views.opportunity_export_view, name="opportunity_export"),
    # The address of the CSV export before XLSX came; old links and bookmarks still work.
    path("export.csv", list_views.opportunity_export_view, name="opportunity_export_csv"),
    path("bulk/", bulk_views.bulk_update_form_view, name="bulk_update_form"),
    path("bulk/start/", bulk_views.bulk_update_view, name="bulk_update"),
    path("bulk/<int:pk>/", bulk_views.bulk_update_detail_view, name="bulk_update_detail"),
    path(
        "bulk/<int:pk>/failures/",
        bulk_views.bulk_update_failures_view,
        name="bulk_update_failures",
    ),
    path("new/", views.opportunity_create_view, name="opportunity_create"),
    path("<int:pk>/", views.opportunity_detail_view, name="opportunity_detail"),
    path("<int:pk>/edit/", views.opportunity_edit_view, name="opportunity_edit"),
    path("<int:pk>/stage/", views.opportunity_move_stage_view, name="opportunity_move_stage"),
    path("<int:pk>/assign/", views.opportunity_assign_view, name="opportunity_assign"),
    path("<int:pk>/delete/", views.opportunity_delete_view, name="opportunity_delete"),
    path("<int:pk>/contacts/", views.opportunity_contact_set_view, name="opportunity_contact_set"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/remove/",
        views.opportunity_contact_remove_view,
        name="opportunity_contact_remove",
    ),
    path("<int:pk>/competitors/", views.competitor_add_view, name="competitor_add"),
    path(
        "<int:pk>/competitors/<int:competitor_pk>/",
        views.competitor_edit_view,
        name="competitor_edit",
    ),
    path(
        "<int:pk>/competitors/<int:competitor_pk>/remove/",
        views.competitor_remove_view,
        name="competitor_remove",
    ),
]
