"""Back-office pages of the replies app, under /office/accounts/<account_id>/replies/."""

from django.urls import path

from . import staff_views

app_name = "office-replies"

urlpatterns = [
    path("", staff_views.index, name="index"),
    path("rules/new/", staff_views.rule_new, name="rule-new"),
    path("rules/<int:rule_id>/", staff_views.rule_edit, name="rule-edit"),
    path("rules/<int:rule_id>/toggle/", staff_views.rule_toggle, name="rule-toggle"),
    path("rules/<int:rule_id>/delete/", staff_views.rule_delete, name="rule-delete"),
    path("greetings/new/", staff_views.greeting_new, name="greeting-new"),
    path("greetings/<int:greeting_id>/", staff_views.greeting_edit, name="greeting-edit"),
    path(
        "greetings/<int:greeting_id>/delete/",
        staff_views.greeting_delete,
        name="greeting-delete",
    ),
    path("default/", staff_views.default_reply, name="default"),
    path("buttons/new/", staff_views.button_new, name="button-new"),
    path("buttons/<int:reply_id>/", staff_views.button_edit, name="button-edit"),
    path("buttons/<int:reply_id>/delete/", staff_views.button_delete, name="button-delete"),
]
