//! Agent roles. Each role can do everything the roles below it can.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
}

crate::wire_enum!(Role, "role", {
    Agent => "agent",
    Supervisor => "supervisor",
    Admin => "admin",
});

impl Role {
    /// True when this role may do what `required` may.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_hierarchical() {
        assert!(Role::Admin.allows(Role::Supervisor));
        assert!(Role::Supervisor.allows(Role::Agent));
        assert!(!Role::Agent.allows(Role::Supervisor));
        assert!(!Role::Supervisor.allows(Role::Admin));
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
        assert!("root".parse::<Role>().is_err());
    }
}
