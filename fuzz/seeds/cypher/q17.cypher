//# id=q18 expect=ok tags=call_procedure,apoc,yield
MATCH (t:Tenant {id: $tenant_id})
CALL apoc.path.subgraphNodes(t, {relationshipFilter: 'OWNS>', maxLevel: 3}) YIELD node
RETURN node