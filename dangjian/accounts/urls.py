from django.urls import path

from dangjian.accounts import admin_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("care-mode/", views.care_mode, name="care_mode"),
    path("password/", views.password_change, name="password_change"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    # system administrator
    path("users/", admin_views.UserListView.as_view(), name="user_list"),
    path("users/new/", admin_views.user_create, name="user_create"),
    path("users/<int:pk>/", admin_views.user_detail, name="user_detail"),
    path("users/<int:pk>/roles/new/", admin_views.role_assign, name="role_assign"),
    path(
        "users/<int:pk>/roles/<int:assignment_pk>/revoke/",
        admin_views.role_revoke,
        name="role_revoke",
    ),
    path("users/<int:pk>/deactivate/", admin_views.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", admin_views.user_reactivate, name="user_reactivate"),
    # security administrator
    path("security/", admin_views.security_home, name="security"),
    path("security/locks/<int:pk>/release/", admin_views.lock_release, name="lock_release"),
    path("security/users/", admin_views.SecurityUserListView.as_view(), name="security_users"),
    path("security/users/<int:pk>/", admin_views.security_user, name="security_user"),
    path(
        "security/users/<int:pk>/reset-two-factor/",
        admin_views.two_factor_reset,
        name="two_factor_reset",
    ),
    path(
        "security/users/<int:pk>/reset-password/",
        admin_views.password_reset,
        name="password_reset",
    ),
]
