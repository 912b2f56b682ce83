use super::{Field, FieldKind};
use chrono::{DateTime, NaiveDate, Utc};

/// A filter operator, named as in NocoBase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Ne,
    In,
    NotIn,
    Includes,
    NotIncludes,
    Gt,
    Gte,
    Lt,
    Lte,
    DateOn,
    DateBefore,
    DateAfter,
    Exists,
    Empty,
    NotEmpty,
}

impl Operator {
    /// Operator names as they appear in a filter.
    pub const NAMES: [(&'static str, Operator); 16] = [
        ("$eq", Operator::Eq),
        ("$ne", Operator::Ne),
        ("$in", Operator::In),
        ("$notIn", Operator::NotIn),
        ("$includes", Operator::Includes),
        ("$notIncludes", Operator::NotIncludes),
        ("$gt", Operator::Gt),
        ("$gte", Operator::Gte),
        ("$lt", Operator::Lt),
        ("$lte", Operator::Lte),
        ("$dateOn", Operator::DateOn),
        ("$dateBefore", Operator::DateBefore),
        ("$dateAfter", Operator::DateAfter),
        ("$exists", Operator::Exists),
        ("$empty", Operator::Empty),
        ("$notEmpty", Operator::NotEmpty),
    ];

    /// The operator's name in a filter.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("?", |(name, _)| name)
    }

    /// Whether a field of `kind` takes this operator.
    pub fn applies_to(self, kind: FieldKind) -> bool {
        use FieldKind as K;
        use Operator as O;
        match self {
            O::Eq | O::Ne => true,
            O::In | O::NotIn => kind != K::Bool,
            O::Includes | O::NotIncludes => {
                matches!(kind, K::Text | K::Address | K::Domain | K::Ids)
            }
            O::Gt | O::Gte | O::Lt | O::Lte => matches!(kind, K::Id | K::Date),
            O::DateOn | O::DateBefore | O::DateAfter => kind == K::Date,
            O::Exists => matches!(kind, K::Text | K::Address | K::Domain | K::Date),
            O::Empty | O::NotEmpty => {
                matches!(kind, K::Text | K::Address | K::Domain | K::Date | K::Ids)
            }
        }
    }
}

/// A typed filter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Int(i64),
    /// Text as given; addresses and domains arrive here already lower-cased.
    Text(String),
    Bool(bool),
    Instant(DateTime<Utc>),
    /// A calendar day without a time: `$dateOn` means the whole day.
    Day(NaiveDate),
}

/// The right-hand side of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    One(Scalar),
    /// `$in`, `$notIn`, and `$includes` given an array (any of them).
    Many(Vec<Scalar>),
    /// `$exists`, `$empty`, `$notEmpty`: true or false.
    Flag(bool),
}

impl Value {
    /// The values given (none for a flag).
    pub fn scalars(&self) -> &[Scalar] {
        match self {
            Value::One(one) => std::slice::from_ref(one),
            Value::Many(list) => list,
            Value::Flag(_) => &[],
        }
    }

    /// The integer values given.
    pub fn ints(&self) -> Vec<i64> {
        self.scalars()
            .iter()
            .filter_map(|s| match s {
                Scalar::Int(i) => Some(*i),
                _ => None,
            })
            .collect()
    }

    /// The text values given.
    pub fn texts(&self) -> Vec<&str> {
        self.scalars()
            .iter()
            .filter_map(|s| match s {
                Scalar::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// True for `$exists: true` and its kin.
    pub fn flag(&self) -> bool {
        matches!(self, Value::Flag(true))
    }
}

/// One comparison on one field.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: Field,
    pub op: Operator,
    pub value: Value,
}

/// The filter tree. An empty `And` matches every row.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Condition(Condition),
}

impl Filter {
    /// The filter that matches everything.
    pub fn all() -> Self {
        Filter::And(Vec::new())
    }

    /// Whether any condition in the tree is on `field`.
    pub fn mentions(&self, field: Field) -> bool {
        match self {
            Filter::And(parts) | Filter::Or(parts) => parts.iter().any(|p| p.mentions(field)),
            Filter::Condition(c) => c.field == field,
        }
    }
}
