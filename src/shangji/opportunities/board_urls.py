"""The board's URLs, included under /opportunities/board/ in the opportunities namespace."""

from django.urls import path

from . import board_views

urlpatterns = [
    path("", board_views.board_view, name="board"),
    path("columns/<int:stage_pk>/", board_views.board_column_view, name="board_column"),
    path("move/<int:pk>/", board_views.board_move_view, name="board_move"),
]
