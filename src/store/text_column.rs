//! Enums kept in TEXT columns: the column holds the value's name, a row struct holds the
//! enum, and a name this build does not know fails the read with the column's value
//! named, instead of travelling on as a string that no comparison matches (push upkeep
//! once compared an account's status with a name no code writes).
//!
//! `text_column!(Type)` wires a type with `as_str()` and `FromStr` to both backends and
//! to `DbConnection`'s; the type derives `AsExpression` and `FromSqlRow` with
//! `#[diesel(sql_type = Text)]` itself.

/// Implements reading and writing `$ty` as TEXT on PostgreSQL, SQLite and the
/// multi-backend connection.
macro_rules! text_column {
    ($ty:ty) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
                    self.as_str(),
                    &mut out.reborrow(),
                )
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
            ) -> diesel::serialize::Result {
                out.set_value(self.as_str());
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, $crate::store::Backend> for $ty {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, $crate::store::Backend>,
            ) -> diesel::serialize::Result {
                out.set_value((diesel::sql_types::Text, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, $crate::store::Backend> for $ty {
            fn from_sql(
                bytes: <$crate::store::Backend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    $crate::store::Backend,
                >>::from_sql(bytes)?;
                text.parse::<$ty>().map_err(|_| {
                    format!("{text:?} is no {} this build knows", stringify!($ty)).into()
                })
            }
        }
    };
}

pub(crate) use text_column;
