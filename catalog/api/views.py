from rest_framework import generics, serializers

from catalog.models import Domain


class DomainSerializer(serializers.ModelSerializer):
    class Meta:
        model = Domain
        fields = ["name", "bounded_context", "description"]


class DomainList(generics.ListAPIView):
    serializer_class = DomainSerializer
    queryset = Domain.objects.order_by("name")
    pagination_class = None
