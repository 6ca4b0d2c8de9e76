//! Route tables. Each feature module lists its routes as rows of a table
//! and builds its router from it; the crate joins the tables
//! ([`crate::routes()`]), and the tests check the OpenAPI document and the
//! access matrix against the join, so no route is served that neither
//! lists. A new module adds its table there.

use axum::Router;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter};

use crate::AppState;

/// One route: its method, its path template (axum's and OpenAPI's
/// `{param}` syntax are the same) and its handler. Rows are written with
/// `route!`.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    /// The handler, on the method filter that `method` gives.
    pub(crate) serve: fn(MethodFilter) -> MethodRouter<AppState>,
}

/// A row of a route table: `route!(GET "/login" => login_page)`.
macro_rules! route {
    ($method:ident $path:literal => $handler:expr) => {
        $crate::routes::Route {
            method: ::axum::http::Method::$method,
            path: $path,
            serve: |filter| ::axum::routing::on(filter, $handler),
        }
    };
}
pub(crate) use route;

/// The router of a table. Rows of one path with several methods merge.
pub fn router(table: &[Route]) -> Router<AppState> {
    table.iter().fold(Router::new(), |router, route| {
        let filter = MethodFilter::try_from(route.method.clone())
            .unwrap_or_else(|error| panic!("{} {}: {error}", route.method, route.path));
        router.route(route.path, (route.serve)(filter))
    })
}
