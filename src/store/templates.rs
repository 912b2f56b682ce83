//! The `mail_templates` table: personal templates (their owner's) and shared ones
//! (admins write them; each is shown to the NocoBase roles it names).

use super::schema::mail_templates;
use super::{DbConnection, StoreError};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = mail_templates)]
pub struct TemplateRow {
    pub id: i64,
    /// `personal` or `shared`.
    pub scope: String,
    /// Who wrote it (for a shared one, the admin who created it).
    pub owner_user_id: i64,
    /// A shared template's roles, as a JSON array of names.
    pub roles: String,
    pub name: String,
    pub subject: String,
    pub html: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TemplateRow {
    pub fn roles(&self) -> Vec<String> {
        super::mail_accounts::names_in(Some(&self.roles))
    }

    pub fn is_shared(&self) -> bool {
        self.scope == "shared"
    }
}

/// A template's fields as written.
#[derive(Debug, Clone)]
pub struct TemplateFields {
    pub scope: String,
    pub roles: String,
    pub name: String,
    pub subject: String,
    pub html: String,
}

/// Every template `user` owns, and every shared one (the caller filters those by role).
pub fn candidates(
    connection: &mut DbConnection,
    user: i64,
) -> Result<Vec<TemplateRow>, StoreError> {
    Ok(mail_templates::table
        .filter(
            mail_templates::scope.eq("shared").or(mail_templates::scope
                .eq("personal")
                .and(mail_templates::owner_user_id.eq(user))),
        )
        .order((mail_templates::name, mail_templates::id))
        .select(TemplateRow::as_select())
        .load(connection)?)
}

pub fn get(connection: &mut DbConnection, id: i64) -> Result<Option<TemplateRow>, StoreError> {
    Ok(mail_templates::table
        .find(id)
        .select(TemplateRow::as_select())
        .first(connection)
        .optional()?)
}

pub fn create(
    connection: &mut DbConnection,
    owner: i64,
    fields: &TemplateFields,
    now: NaiveDateTime,
) -> Result<TemplateRow, StoreError> {
    connection.write_transaction(|connection| {
        diesel::insert_into(mail_templates::table)
            .values((
                mail_templates::scope.eq(&fields.scope),
                mail_templates::owner_user_id.eq(owner),
                mail_templates::roles.eq(&fields.roles),
                mail_templates::name.eq(&fields.name),
                mail_templates::subject.eq(&fields.subject),
                mail_templates::html.eq(&fields.html),
                mail_templates::created_at.eq(now),
                mail_templates::updated_at.eq(now),
            ))
            .execute(connection)?;
        Ok(mail_templates::table
            .filter(mail_templates::owner_user_id.eq(owner))
            .order(mail_templates::id.desc())
            .select(TemplateRow::as_select())
            .first(connection)?)
    })
}

/// Replaces template `id`'s fields (the caller checked it may); the row, if it exists.
pub fn update(
    connection: &mut DbConnection,
    id: i64,
    fields: &TemplateFields,
    now: NaiveDateTime,
) -> Result<Option<TemplateRow>, StoreError> {
    diesel::update(mail_templates::table.find(id))
        .set((
            mail_templates::scope.eq(&fields.scope),
            mail_templates::roles.eq(&fields.roles),
            mail_templates::name.eq(&fields.name),
            mail_templates::subject.eq(&fields.subject),
            mail_templates::html.eq(&fields.html),
            mail_templates::updated_at.eq(now),
        ))
        .execute(connection)?;
    get(connection, id)
}

pub fn remove(connection: &mut DbConnection, id: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(mail_templates::table.find(id)).execute(connection)?)
}
