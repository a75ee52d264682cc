//# id=q31 expect=ok tags=backticks
MATCH (t:`Tenant` {`tenant-id`: $tenant_id})-[:`HAS SETTING`]->(s:`Setting`)
RETURN s.`key`, s.`value`