from django.urls import path

from kehu.web import bulk
from kehu.web.views import (
    audit,
    auth,
    customer_admin,
    customer_export,
    customer_forms,
    customer_page,
    customers,
    home,
    inbox,
    interactions,
    pipeline,
    pool,
    settings,
    team,
)

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path("signin/", auth.LoginView.as_view(), name="login"),
    path("signout/", auth.LogoutView.as_view(), name="logout"),
    path("password/", auth.PasswordChangeView.as_view(), name="password_change"),
    path("language/", auth.set_language, name="set_language"),

    path("customers/", customers.customer_list, name="customer_list"),
    path("customers/new/", customer_forms.customer_create_view, name="customer_create"),
    path("customers/duplicates/", customer_forms.customer_duplicates, name="customer_duplicates"),
    path("customers/bulk/", bulk.customer_bulk, name="customer_bulk"),
    path("customers/export/", customer_export.customer_export, name="customer_export"),
    path("customers/deleted/", customer_admin.deleted_customers, name="customer_deleted"),
    path("customers/<int:pk>/delete/", customer_admin.customer_delete_view, name="customer_delete"),
    path("customers/<int:pk>/restore/", customer_admin.customer_restore_view, name="customer_restore"),
    path("customers/<int:pk>/handover/", customer_admin.customer_handover_view, name="customer_handover"),
    path("customers/views/", customers.saved_view_save, name="saved_view_create"),
    path("customers/views/<int:pk>/delete/", customers.saved_view_remove, name="saved_view_delete"),
    path("customers/<int:pk>/", customer_page.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", customer_forms.customer_edit_view, name="customer_edit"),
    path("customers/<int:pk>/contacts/new/", customer_forms.contact_create_view, name="contact_create"),
    path("customers/<int:pk>/log/", interactions.interaction_create, name="interaction_create"),
    path("customers/<int:pk>/stage/", pipeline.stage_move, name="stage_move"),
    path("contacts/methods/<int:pk>/reveal/", customer_page.phone_reveal, name="phone_reveal"),
    path("contacts/<int:pk>/edit/", customer_forms.contact_edit_view, name="contact_edit"),
    path("contacts/<int:pk>/replace/", customer_forms.contact_replace_view, name="contact_replace"),

    path("actions/", inbox.inbox, name="inbox"),
    path("actions/<int:pk>/done/", inbox.task_complete_view, name="task_complete"),
    path("actions/<int:pk>/reschedule/", inbox.task_reschedule_view, name="task_reschedule"),

    path("pipeline/", pipeline.pipeline, name="pipeline"),
    path("pipeline/move/", pipeline.pipeline_move, name="pipeline_move"),

    path("pool/", pool.pool, name="pool"),
    path("pool/<int:pk>/claim/", pool.pool_claim_view, name="pool_claim"),
    path("pool/<int:pk>/assign/", pool.pool_assign_view, name="pool_assign"),

    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/export/", audit.audit_export, name="audit_export"),

    path("team/accounts/", team.team_accounts, name="team_accounts"),
    path("team/accounts/<int:pk>/unlock/", team.account_unlock, name="account_unlock"),
    path("team/accounts/<int:pk>/reset-password/", team.account_reset_password, name="account_reset_password"),
    path("team/accounts/<int:pk>/deactivate/", team.account_deactivate, name="account_deactivate"),
    path("team/accounts/<int:pk>/reactivate/", team.account_reactivate, name="account_reactivate"),

    path("settings/", settings.settings_index, name="settings"),
    path("settings/channels/", settings.settings_channels, name="settings_channels"),
    path("settings/channels/<int:pk>/", settings.settings_channel_edit, name="settings_channel_edit"),
    path("settings/tags/", settings.settings_tags, name="settings_tags"),
    path("settings/industry-phrases/", settings.settings_phrases, name="settings_phrases"),
    path("settings/custom-fields/", settings.settings_customfields, name="settings_customfields"),
    path("settings/custom-fields/<int:pk>/", settings.settings_customfield_edit, name="settings_customfield_edit"),
]
