# Placeholder until the mock platform's routes land.
urlpatterns: list = []
