"""Back-office pages of the eservices app, under /office/accounts/<account_id>/eservices/."""

from django.urls import path

from . import staff_views as views

app_name = "office-eservices"

urlpatterns = [
    path("guides/", views.guides, name="guides"),
    path("guides/new/", views.guide_new, name="guide-new"),
    path("guides/<int:guide_id>/", views.guide_detail, name="guide"),
    path("guides/<int:guide_id>/edit/", views.guide_edit, name="guide-edit"),
    path("guides/<int:guide_id>/submit/", views.guide_submit, name="guide-submit"),
    path("guides/<int:guide_id>/approve/", views.guide_approve, name="guide-approve"),
    path("guides/<int:guide_id>/return/", views.guide_return, name="guide-return"),
    path("guides/<int:guide_id>/retract/", views.guide_retract, name="guide-retract"),
    path("guides/<int:guide_id>/reopen/", views.guide_reopen, name="guide-reopen"),
    path("guides/<int:guide_id>/delete/", views.guide_delete, name="guide-delete"),
    path("guides/<int:guide_id>/translate/", views.guide_translate, name="guide-translate"),
]

urlpatterns += [
    path("applications/", views.applications, name="applications"),
    path("applications/<int:application_id>/", views.application_detail, name="application"),
    path(
        "applications/<int:application_id>/step/",
        views.application_step,
        name="application-step",
    ),
    path(
        "applications/<int:application_id>/files/<int:file_id>/",
        views.application_file,
        name="application-file",
    ),
    path("forms/", views.forms_list, name="forms"),
    path("guides/<int:guide_id>/form/", views.form_designer, name="form"),
]
