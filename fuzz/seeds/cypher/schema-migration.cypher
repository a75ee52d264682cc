CREATE CONSTRAINT tenant_id IF NOT EXISTS FOR (t:Tenant) REQUIRE t.id IS UNIQUE;
CREATE VECTOR INDEX vector_index IF NOT EXISTS FOR (a:Indexed) ON (a.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: 1536, `vector.similarity_function`: 'cosine'}};
MATCH (t:Tenant {id: $tenant_id}) SET t.migrated = true;
SHOW VECTOR INDEXES YIELD name;
