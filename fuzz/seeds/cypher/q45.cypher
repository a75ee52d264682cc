//# id=q46 expect=ok tags=schema,cypher_file,neo4j5
CREATE CONSTRAINT tenant_id_unique IF NOT EXISTS FOR (t:Tenant) REQUIRE t.id IS UNIQUE