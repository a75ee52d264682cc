//# id=q01 expect=ok tags=param,scoped
MATCH (t:Tenant {id: $tenant_id}) RETURN t