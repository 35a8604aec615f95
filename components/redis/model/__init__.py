"""The Redis Cluster as pure values: no Pulumi resources, no engine, no sockets; tested without mocks."""
