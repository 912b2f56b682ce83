//! Diesel table definitions. Portable types only, so one schema serves SQLite and
//! PostgreSQL: text, booleans, integers and UTC `TIMESTAMP`s.

diesel::table! {
    mail_providers (name) {
        name -> Text,
        client_id -> Text,
        client_secret_sealed -> Nullable<Text>,
        tenant -> Nullable<Text>,
        enabled -> Bool,
        pubsub_topic -> Nullable<Text>,
        push_audience -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}
