//! The state of the network in a scenario: what is down and what is busy (SPEC §2).

use crate::model::{Node, Table};

/// What is down and what is busy in a scenario.
#[derive(Debug, Clone)]
pub struct Conditions {
    /// Per dense node index (see [`Table::node_index`]).
    down: Vec<bool>,
    pub(super) busy: Option<u32>,
}

impl Conditions {
    pub fn normal(table: &Table) -> Self {
        Conditions {
            down: vec![false; table.node_count()],
            busy: None,
        }
    }

    /// `down` down and `busy` busy, everything else up.
    pub fn with(table: &Table, down: &[Node], busy: Option<u32>) -> Self {
        let mut c = Self::normal(table);
        for &n in down {
            c.set_down(table, n, true);
        }
        c.busy = busy;
        c
    }

    pub fn set_down(&mut self, table: &Table, node: Node, down: bool) {
        self.down[table.node_index(node)] = down;
    }

    pub fn set_busy(&mut self, psap: Option<u32>) {
        self.busy = psap;
    }

    pub(super) fn is_up(&self, table: &Table, node: Node) -> bool {
        !self.down[table.node_index(node)]
    }
}
