use crate::query::Page;
use actix_web::body::BoxBody;
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

/// A stored UTC time as the API writes times: RFC 3339, seconds, `Z`.
pub fn rfc3339(at: chrono::NaiveDateTime) -> String {
    at.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// `{"data": …}`: the envelope of every action but `list`.
#[derive(Debug, Serialize)]
pub struct Data<T: Serialize>(pub T);

#[derive(Serialize)]
struct DataBody<'a, T: Serialize> {
    data: &'a T,
}

impl<T: Serialize> Responder for Data<T> {
    type Body = BoxBody;

    fn respond_to(self, _request: &HttpRequest) -> HttpResponse {
        HttpResponse::Ok().json(DataBody { data: &self.0 })
    }
}

/// `{"data": [...], "meta": {count, page, pageSize, totalPage}}`: a page of a `list`.
#[derive(Debug)]
pub struct ListPage<T: Serialize> {
    pub rows: Vec<T>,
    pub count: u64,
    pub page: Page,
}

impl<T: Serialize> ListPage<T> {
    /// The requested page of a list held whole in memory (a mailbox's folders, labels,
    /// templates), each row shaped by `view`; `count` is the whole list's.
    pub fn of_all<R>(all: Vec<R>, page: Page, view: impl FnMut(R) -> T) -> Self {
        let count = all.len() as u64;
        let rows = all
            .into_iter()
            .skip(usize::try_from(page.offset()).unwrap_or(usize::MAX))
            .take(page.size as usize)
            .map(view)
            .collect();
        Self { rows, count, page }
    }
}

#[derive(Serialize)]
struct ListBody<'a, T: Serialize> {
    data: &'a [T],
    meta: ListMeta,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListMeta {
    count: u64,
    page: u32,
    page_size: u32,
    total_page: u64,
}

impl<T: Serialize> Responder for ListPage<T> {
    type Body = BoxBody;

    fn respond_to(self, _request: &HttpRequest) -> HttpResponse {
        let page_size = u64::from(self.page.size);
        HttpResponse::Ok().json(ListBody {
            data: &self.rows,
            meta: ListMeta {
                count: self.count,
                page: self.page.number,
                page_size: self.page.size,
                total_page: self.count.div_ceil(page_size),
            },
        })
    }
}
