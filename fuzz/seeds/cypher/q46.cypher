//# id=q47 expect=ok tags=schema,cypher_file,neo4j5
CREATE INDEX user_email IF NOT EXISTS FOR (u:User) ON (u.email)