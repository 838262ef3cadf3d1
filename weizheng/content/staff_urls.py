"""Back-office pages of the content app, under /office/accounts/<account_id>/content/."""

from django.urls import path

from . import staff_views as views

app_name = "office-content"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.item_new, name="item-new"),
    path("<int:item_id>/", views.item_detail, name="item"),
    path("<int:item_id>/edit/", views.item_edit, name="item-edit"),
    path("<int:item_id>/submit/", views.item_submit, name="item-submit"),
    path("<int:item_id>/approve/", views.item_approve, name="item-approve"),
    path("<int:item_id>/return/", views.item_return, name="item-return"),
    path("<int:item_id>/retract/", views.item_retract, name="item-retract"),
    path("<int:item_id>/reopen/", views.item_reopen, name="item-reopen"),
    path("<int:item_id>/delete/", views.item_delete, name="item-delete"),
    path("<int:item_id>/translate/", views.item_translate, name="item-translate"),
    path("<int:item_id>/pair/", views.item_pair, name="item-pair"),
    path("<int:item_id>/unpair/", views.item_unpair, name="item-unpair"),
    path("<int:item_id>/attachments/", views.attachment_add, name="attachment-add"),
    path(
        "<int:item_id>/attachments/<int:attachment_id>/",
        views.attachment_file,
        name="attachment",
    ),
    path(
        "<int:item_id>/attachments/<int:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment-delete",
    ),
    path("<int:item_id>/links/", views.relation_add, name="relation-add"),
    path(
        "<int:item_id>/links/<int:relation_id>/delete/",
        views.relation_delete,
        name="relation-delete",
    ),
    path("import/", views.import_page, name="import"),
    path("media/", views.media_library, name="media"),
    path("media/<int:media_id>/", views.media_file, name="media-file"),
    path("media/<int:media_id>/delete/", views.media_delete, name="media-delete"),
    path("media/<int:media_id>/wechat/", views.media_push, name="media-push"),
]
