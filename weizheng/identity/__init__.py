"""Real-name binding (实名绑定): a citizen's openid bound to name, resident ID number and a verified phone."""
