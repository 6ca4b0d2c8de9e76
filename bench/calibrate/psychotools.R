# psychotools peer for the calibration benchmark: conditional maximum
# likelihood Rasch model (raschmodel) for 2-point scales, partial credit
# (pcmodel) or rating scale (rsmodel) for more points, written as JSON in the
# item-location convention of `simm calibrate` (location = difficulty, higher
# = harder, centred at 0 over the items; a polytomous item's location is the
# mean of its thresholds) and in the shape of bench/calibrate/erm.R's output.
#
# Usage:
#   Rscript bench/calibrate/psychotools.R --responses SHEET.csv --model MODEL.toml \
#       [--method rasch|pcm|rsm] [--output OUT.json]
#
# Why a second CML peer: eRm's RM() fits one likelihood per missing-data
# pattern with R code and becomes impractical beyond a few thousand
# respondents with scattered gaps; psychotools also groups by pattern but its
# elementary symmetric functions are computed in C, so it can stand in for
# eRm on the "missing" scenario (2,000 x 20 with 10 % gaps: 10 s against
# eRm's 145 s; 2,000 x 60: 63 s). The estimates are the same CML estimates.
#
# Only item locations, their standard errors and thresholds are reported:
# psychotools has no item infit/outfit or person separation reliability, so
# those fields are null (compare.py then compares locations only).
#
# Sign conventions: psychotools' raschmodel uses difficulties
# (P(X=1) = exp(theta - beta) / (1 + exp(theta - beta))), and itempar()
# returns them centred at 0 over the items (ref = all items) with their
# covariance, so no sign flip is needed; for pcmodel/rsmodel, itempar() gives
# the item location as the mean of the item's absolute thresholds and
# threshpar(type = "mode") the thresholds themselves (difficulties too).
# Needs the Debian package r-cran-psychotools.
suppressPackageStartupMessages(library(psychotools))

t_start <- proc.time()[["elapsed"]]
script_file <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)[1]
source(file.path(dirname(normalizePath(sub("^--file=", "", script_file))), "common.R"))
opt <- parse_options("psychotools.R", list(responses = NULL, model = NULL, method = NULL, output = ""))
model <- read_model("psychotools.R", opt$model)
method <- choose_method("psychotools.R", opt$method, model$points)
X <- read_answers("psychotools.R", opt$responses, model) # categories 0..points-1
t_read <- proc.time()[["elapsed"]]

# ---- CML item parameters ---------------------------------------------------
# Respondents with fewer than two answers or an extreme score carry no
# information under CML; psychotools drops them itself.
# raschmodel's own Hessian needs second-order elementary symmetric functions
# per missing-data pattern (0.2 s and 1.4 MB each at 54 items: 460 s and
# 2.9 GB of the 500 s at 2,000 x 60 with 10 % gaps), so the Rasch fit skips it
# and the standard errors come from rasch_se() below instead.
fit <- switch(method, rasch = raschmodel(X, hessian = FALSE), pcm = pcmodel(X), rsm = rsmodel(X))
if (!is.null(fit$code) && fit$code != 0) {
  warning(sprintf("psychotools.R: the optimiser returned code %d (not converged?)", fit$code), call. = FALSE)
}
L <- ncol(X)
# rasch_se(X, beta): standard errors of the centred CML difficulties beta.
# The CML information is sum over missing-data patterns g and raw scores r of
# n_gr Cov(X | r, items of g), the Jacobian of the expected item totals in
# log-easiness; it is taken by forward differences of first-order elementary
# symmetric functions (psychotools' fast C code: k + 1 cheap passes instead of
# one pass of second-order ones). Its null space is the all-ones vector, so
# the Moore-Penrose inverse is the covariance of the sum-zero estimates.
rasch_se <- function(X, beta) {
  k <- ncol(X)
  obs <- !is.na(X)
  key <- do.call(paste0, as.data.frame(obs * 1L))
  groups <- lapply(split(seq_len(nrow(X)), key), function(rows) {
    S <- which(obs[rows[1], ])
    r <- rowSums(X[rows, S, drop = FALSE])
    list(S = S, n = tabulate(r + 1L, nbins = length(S) + 1L))
  })
  groups <- Filter(function(g) length(g$S) >= 2, groups)
  expected <- function(b) {
    e <- numeric(k)
    for (g in groups) {
      esf <- elementary_symmetric_functions(b[g$S], order = 1L)
      # P(X_i = 1 | r) = d gamma_r / gamma_r, item columns, scores 0..|S| rows
      e[g$S] <- e[g$S] + colSums(g$n * esf[[2]] / esf[[1]])
    }
    e
  }
  h <- 1e-5
  e0 <- expected(beta)
  info <- vapply(seq_len(k), function(j) {
    b <- beta
    b[j] <- b[j] + h
    -(expected(b) - e0) / h
  }, numeric(k))
  info <- (info + t(info)) / 2
  ev <- eigen(info, symmetric = TRUE)
  keep <- seq_len(k - 1L) # drop the null direction (all ones)
  V <- ev$vectors[, keep, drop = FALSE] %*% (t(ev$vectors[, keep, drop = FALSE]) / ev$values[keep])
  sqrt(pmax(diag(V), 0))
}
ip <- itempar(fit, vcov = method != "rasch") # centred at 0 over all items (ref = all)
location <- unname(coef(ip))
se <- if (method == "rasch") rasch_se(X, location) else unname(sqrt(diag(vcov(ip))))
if (method == "rasch") {
  thresholds <- lapply(location, function(x) c(x))
} else {
  th <- threshpar(fit, type = "mode", relative = FALSE)
  th <- coef(th, type = "list")
  shift <- mean(vapply(th, mean, 0)) # same centring as the locations
  thresholds <- lapply(th, function(t) unname(t - shift))
}
shift <- mean(location) # 0 up to rounding; keeps the centring exact
location <- location - shift
t_fit <- proc.time()[["elapsed"]]

answered <- colSums(!is.na(X))
m <- apply(X, 2L, max, na.rm = TRUE)
raw <- rowSums(X, na.rm = TRUE)
maxraw <- as.vector((!is.na(X)) %*% m)
n_answered <- rowSums(!is.na(X))

# ---- JSON ------------------------------------------------------------------
num <- function(x) ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
str <- function(x) paste0('"', gsub('(["\\\\])', "\\\\\\1", x), '"')
arr <- function(x) paste0("[", paste(num(x), collapse = ","), "]")
items_json <- vapply(seq_len(L), function(j) {
  sprintf('{"id":%s,"area":%s,"stage":%d,"answered":%d,"location":%s,"se":%s,"infit":null,"outfit":null,"thresholds":%s}',
          str(model$items$id[j]), str(model$items$area[j]), model$items$stage[j], answered[j],
          num(location[j]), num(se[j]), arr(thresholds[[j]]))
}, "")
t_end <- proc.time()[["elapsed"]]
json <- paste0(
  '{"tool":"psychotools","version":', str(as.character(packageVersion("psychotools"))),
  ',"model":{"id":', str(model$id), ',"version":', str(model$version), '}',
  ',"method":', str(method), ',"estimator":"cml","respondents":', nrow(X),
  ',"items":[', paste(items_json, collapse = ","), ']',
  ',"persons":{"n":', nrow(X), ',"extreme_minimum":', sum(n_answered > 0 & raw == 0),
  ',"extreme_maximum":', sum(n_answered > 0 & raw == maxraw), ',"separation_reliability":null}',
  ',"loglik":', num(as.numeric(fit$loglik)), ',"iterations":', num(as.numeric(fit$iterations)[1]),
  ',"converged":', if (is.null(fit$code) || fit$code == 0) "true" else "false",
  ',"seconds":{"read":', num(t_read - t_start), ',"fit":', num(t_fit - t_read),
  ',"total":', num(t_end - t_start), '}}')
if (opt$output == "" || opt$output == "-") cat(json, "\n", sep = "") else writeLines(json, opt$output)
