//# id=q08 expect=ok tags=rel_props,rel_var,incoming
MATCH (t:Tenant {id: $tenant_id})<-[m:MEMBER_OF {role: 'admin', since: $since}]-(u:User)
RETURN u.email, m.role