//# id=q24 expect=ok tags=pattern_predicate
MATCH (r:Resource {id: $resource_id})
WHERE (r)-[:OWNED_BY]->(:Tenant {id: $tenant_id})
RETURN r