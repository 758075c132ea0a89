from .compliance.api_urls import urlpatterns as compliance_api

urlpatterns = [*compliance_api]
