use super::ApiError;
use super::filter::parse_filter;
use crate::query::{Field, Filter, Page, SortField, SortKey};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use std::collections::HashMap;
use std::future::{Ready, ready};

/// The query string, parsed the way NocoBase's `qs` writes it: `key=v`, repeated
/// `key[]=a&key[]=b` and indexed `key[0]=a` all collect under `key`.
#[derive(Debug, Default, Clone)]
pub struct QueryParams {
    values: HashMap<String, Vec<String>>,
}

const MAX_PAGE_SIZE: u32 = 200;
/// Beyond any real listing; keeps offsets far from overflow.
const MAX_PAGE: u32 = 1_000_000;
const DEFAULT_PAGE_SIZE: u32 = 20;

impl QueryParams {
    /// Parses a raw (still percent-encoded) query string. A key or value whose bytes are
    /// not UTF-8 is a 400 naming it: decoding it with replacement characters would make
    /// a filter silently match something else than what was asked.
    pub fn parse(query: &str) -> Result<Self, ApiError> {
        let mut values: HashMap<String, Vec<String>> = HashMap::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key = decode(key).ok_or_else(|| {
                ApiError::bad_request("INVALID_PARAMETER", "a parameter name is not valid UTF-8")
            })?;
            let value = decode(value).ok_or_else(|| {
                ApiError::bad_request(
                    "INVALID_PARAMETER",
                    format!("{}: not valid UTF-8", base_key(&key)),
                )
            })?;
            values
                .entry(base_key(&key).to_string())
                .or_default()
                .push(value);
        }
        Ok(Self { values })
    }

    /// Every value given for `key`.
    pub fn all(&self, key: &str) -> &[String] {
        self.values.get(key).map(Vec::as_slice).unwrap_or_default()
    }

    /// `filter={"accountId": N}` (or `{"accountId": {"$eq": N}}`), the one filter the
    /// per-mailbox resources take; absent: `None`. Anything else is 400 `INVALID_FILTER`.
    pub fn account_filter(&self) -> Result<Option<i64>, ApiError> {
        let Some(filter) = self.one("filter")? else {
            return Ok(None);
        };
        let invalid = || {
            ApiError::bad_request(
                "INVALID_FILTER",
                "filter: only {\"accountId\": <id>} is supported",
            )
        };
        let value: serde_json::Value = serde_json::from_str(filter).map_err(|_| invalid())?;
        let serde_json::Value::Object(fields) = value else {
            return Err(invalid());
        };
        if fields.keys().any(|k| k != "accountId") {
            return Err(invalid());
        }
        match fields.get("accountId") {
            None => Ok(None),
            Some(serde_json::Value::Number(n)) => n.as_i64().map(Some).ok_or_else(invalid),
            Some(serde_json::Value::Object(op)) if op.len() == 1 => op
                .get("$eq")
                .and_then(serde_json::Value::as_i64)
                .map(Some)
                .ok_or_else(invalid),
            _ => Err(invalid()),
        }
    }

    /// The single value of `key`; more than one is a 400 naming the key.
    pub fn one(&self, key: &str) -> Result<Option<&str>, ApiError> {
        match self.all(key) {
            [] => Ok(None),
            [value] => Ok(Some(value.as_str())),
            _ => Err(ApiError::bad_request(
                "INVALID_PARAMETER",
                format!("{key}: give one value"),
            )),
        }
    }

    /// The `filterByTk` values; a 400 when there are none.
    pub fn filter_by_tk(&self) -> Result<&[String], ApiError> {
        match self.all("filterByTk") {
            [] => Err(ApiError::bad_request(
                "INVALID_PARAMETER",
                "filterByTk: required",
            )),
            values => Ok(values),
        }
    }

    /// The single `filterByTk` value.
    pub fn single_tk(&self) -> Result<&str, ApiError> {
        match self.filter_by_tk()? {
            [value] => Ok(value.as_str()),
            _ => Err(ApiError::bad_request(
                "INVALID_PARAMETER",
                "filterByTk: give one value for this action",
            )),
        }
    }

    /// The single `filterByTk` as a row id; `what` names the row in the error.
    pub fn single_id(&self, what: &str) -> Result<i64, ApiError> {
        let raw = self.single_tk()?;
        raw.trim().parse().map_err(|_| {
            ApiError::bad_request(
                "INVALID_PARAMETER",
                format!("filterByTk: expected {what} id, got {raw:?}"),
            )
        })
    }

    /// A `true`/`false` parameter; absent is false.
    pub fn flag(&self, key: &str) -> Result<bool, ApiError> {
        match self.one(key)? {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(ApiError::bad_request(
                "INVALID_PARAMETER",
                format!("{key}: expected true or false"),
            )),
        }
    }

    /// `page` (≥ 1, default 1) and `pageSize` (1..=200, default 20).
    pub fn page(&self) -> Result<Page, ApiError> {
        let number = self.number("page", 1, MAX_PAGE)?.unwrap_or(1);
        let size = self
            .number("pageSize", 1, MAX_PAGE_SIZE)?
            .unwrap_or(DEFAULT_PAGE_SIZE);
        Ok(Page { number, size })
    }

    /// True when `paginate=false` was asked for.
    pub fn pagination_disabled(&self) -> Result<bool, ApiError> {
        match self.one("paginate")? {
            None | Some("true") => Ok(false),
            Some("false") => Ok(true),
            Some(_) => Err(ApiError::bad_request(
                "INVALID_PARAMETER",
                "paginate: expected true or false",
            )),
        }
    }

    /// `sort` (`sort[]=-date&sort[]=subject` or `sort=-date,subject`) against the fields a
    /// resource allows; `default` when none is given.
    pub fn sort(
        &self,
        allowed: &[SortField],
        default: &[SortKey],
    ) -> Result<Vec<SortKey>, ApiError> {
        let mut keys = Vec::new();
        for item in self.all("sort").iter().flat_map(|v| v.split(',')) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (descending, name) = match item.strip_prefix('-') {
                Some(name) => (true, name),
                None => (false, item),
            };
            let field = allowed
                .iter()
                .copied()
                .find(|f| f.name() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
                    ApiError::bad_request(
                        "INVALID_SORT",
                        format!(
                            "sort: unknown field {name:?}; allowed: {}",
                            names.join(", ")
                        ),
                    )
                })?;
            keys.push(SortKey { field, descending });
        }
        Ok(if keys.is_empty() {
            default.to_vec()
        } else {
            keys
        })
    }

    /// The `filter` JSON parsed against a resource's fields; no filter (or an empty one,
    /// as forms send) matches everything.
    pub fn filter(&self, fields: &[Field]) -> Result<Filter, ApiError> {
        match self.one("filter")?.filter(|text| !text.trim().is_empty()) {
            None => Ok(Filter::all()),
            Some(text) => parse_filter(text, fields)
                .map_err(|e| ApiError::bad_request("INVALID_FILTER", e.to_string())),
        }
    }

    fn number(&self, key: &str, min: u32, max: u32) -> Result<Option<u32>, ApiError> {
        let Some(text) = self.one(key)? else {
            return Ok(None);
        };
        match text.trim().parse::<u32>() {
            Ok(value) if (min..=max).contains(&value) => Ok(Some(value)),
            _ => Err(ApiError::bad_request(
                "INVALID_PARAMETER",
                format!("{key}: expected a whole number from {min} to {max}, got {text:?}"),
            )),
        }
    }
}

/// One `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte; None
/// when the bytes are not UTF-8. A `%` not followed by two hex digits stays as it is, as
/// browsers and `form_urlencoded` leave it.
fn decode(component: &str) -> Option<String> {
    let raw = component.as_bytes();
    let hex = |at: usize| raw.get(at).and_then(|b| (*b as char).to_digit(16));
    let mut bytes = Vec::with_capacity(raw.len());
    let mut at = 0;
    while at < raw.len() {
        match (raw[at], hex(at + 1), hex(at + 2)) {
            (b'%', Some(high), Some(low)) => {
                bytes.push((high * 16 + low) as u8);
                at += 3;
            }
            (b'+', _, _) => {
                bytes.push(b' ');
                at += 1;
            }
            (byte, _, _) => {
                bytes.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8(bytes).ok()
}

/// `key[]` and `key[3]` name the same parameter as `key`.
fn base_key(key: &str) -> &str {
    match key.find('[') {
        Some(at) if key.ends_with(']') => &key[..at],
        _ => key,
    }
}

impl FromRequest for QueryParams {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(Self::parse(request.query_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_decoded_and_bytes_that_are_not_utf8_refused() {
        let params = QueryParams::parse("q=caf%C3%A9+au+lait&x=100%&y=%zz&empty").unwrap();
        assert_eq!(params.all("q"), ["café au lait"]);
        assert_eq!(params.all("x"), ["100%"], "a stray % stays");
        assert_eq!(params.all("y"), ["%zz"]);
        assert_eq!(params.all("empty"), [""]);
        let error = QueryParams::parse("filter=%7B%22subject%22%3A%22%FF%FE%22%7D").unwrap_err();
        assert_eq!(error.message(), "filter: not valid UTF-8");
    }

    #[test]
    fn brackets_indexes_and_repeats_collect_under_one_key() {
        let params = QueryParams::parse(
            "filterByTk%5B%5D=1&filterByTk%5B%5D=2&sort[0]=-date&sort[1]=subject&page=2",
        )
        .unwrap();
        assert_eq!(params.all("filterByTk"), ["1", "2"]);
        assert_eq!(params.all("sort"), ["-date", "subject"]);
        assert_eq!(params.one("page").unwrap(), Some("2"));
    }

    #[test]
    fn page_defaults_and_bounds() {
        assert_eq!(
            QueryParams::parse("").unwrap().page().unwrap(),
            Page {
                number: 1,
                size: 20
            }
        );
        assert_eq!(
            QueryParams::parse("page=3&pageSize=200")
                .unwrap()
                .page()
                .unwrap(),
            Page {
                number: 3,
                size: 200
            }
        );
        for bad in ["page=0", "pageSize=0", "pageSize=201", "page=x", "page=-1"] {
            let error = QueryParams::parse(bad).unwrap().page().unwrap_err();
            assert_eq!(error.code(), "INVALID_PARAMETER", "{bad}");
        }
    }

    #[test]
    fn sort_accepts_known_fields_and_refuses_others() {
        let allowed = [SortField::Date, SortField::Subject];
        let keys = QueryParams::parse("sort[]=-date&sort[]=subject")
            .unwrap()
            .sort(&allowed, &[])
            .unwrap();
        assert_eq!(
            keys,
            [
                SortKey {
                    field: SortField::Date,
                    descending: true
                },
                SortKey {
                    field: SortField::Subject,
                    descending: false
                }
            ]
        );
        let default = [SortKey {
            field: SortField::Date,
            descending: true,
        }];
        assert_eq!(
            QueryParams::parse("")
                .unwrap()
                .sort(&allowed, &default)
                .unwrap(),
            default
        );
        let error = QueryParams::parse("sort=-password")
            .unwrap()
            .sort(&allowed, &[])
            .unwrap_err();
        assert_eq!(error.code(), "INVALID_SORT");
    }
}
