# psych peer for the calibration benchmark: Cronbach's alpha per area of the
# model (psych::alpha, raw_alpha, with psych's default pairwise covariances,
# use = "pairwise") and alpha if an item is deleted (alpha.drop raw_alpha),
# printed as JSON with 17 significant digits so that `simm calibrate` can be
# checked to 1e-10.
#
# Usage:
#   Rscript bench/calibrate/psych.R --responses SHEET.csv --model MODEL.toml [--output OUT.json]
#
# The sheet is simm's format (respondent, attribute columns, one column per
# item, answers 1..points, empty = missing); the areas come from the model's
# [[items]] (id, area). Needs the Debian package r-cran-psych.
suppressPackageStartupMessages(library(psych))

t_start <- proc.time()[["elapsed"]]
args <- commandArgs(trailingOnly = TRUE)
opt <- list(responses = NULL, model = NULL, output = "")
i <- 1
while (i <= length(args)) {
  key <- sub("^--", "", args[i])
  if (!key %in% names(opt) || i == length(args)) {
    stop(sprintf("psych.R: unknown or incomplete option %s (see the usage at the top of the script)", args[i]), call. = FALSE)
  }
  opt[[key]] <- args[i + 1]
  i <- i + 2
}
if (is.null(opt$responses) || is.null(opt$model)) {
  stop("psych.R: --responses SHEET.csv and --model MODEL.toml are required", call. = FALSE)
}

# ---- the model's areas (in order) and items, from the TOML -----------------
lines <- sub("\\s+#.*$", "", readLines(opt$model, warn = FALSE))
section <- ""
areas <- character(0)
item_id <- character(0)
item_area <- character(0)
top <- list()
unq <- function(v) gsub('^"|"$', "", trimws(v))
for (ln in lines) {
  if (grepl("^\\s*\\[\\[?[a-z_]+\\]\\]?\\s*$", ln)) {
    section <- gsub("[][[:space:]]", "", ln)
    next
  }
  m <- regmatches(ln, regexec("^\\s*([A-Za-z_]+)\\s*=\\s*(.*)$", ln))[[1]]
  if (length(m) == 0) next
  if (section == "" ) top[[m[2]]] <- unq(m[3])
  if (section == "areas" && m[2] == "id") areas <- c(areas, unq(m[3]))
  if (section == "items" && m[2] == "id") item_id <- c(item_id, unq(m[3]))
  if (section == "items" && m[2] == "area") item_area <- c(item_area, unq(m[3]))
}
if (length(item_id) == 0 || length(item_id) != length(item_area)) {
  stop("psych.R: cannot read [[items]] id and area from ", opt$model, call. = FALSE)
}

header <- strsplit(readLines(opt$responses, n = 1, warn = FALSE), ",", fixed = TRUE)[[1]]
absent <- setdiff(item_id, header)
if (length(absent)) stop("psych.R: the sheet has no column for item(s) ", paste(head(absent, 5), collapse = ", "), call. = FALSE)
classes <- ifelse(header %in% item_id, "integer", "NULL")
X <- as.matrix(read.csv(opt$responses, colClasses = classes, check.names = FALSE, na.strings = ""))
X <- X[, item_id, drop = FALSE]
t_read <- proc.time()[["elapsed"]]

num <- function(x) ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
str <- function(x) paste0('"', gsub('(["\\\\])', "\\\\\\1", x), '"')
out <- character(0)
for (a in areas) {
  cols <- item_id[item_area == a]
  if (length(cols) < 2) {
    out <- c(out, sprintf('{"id":%s,"n_items":%d,"alpha":null,"alpha_if_deleted":[]}', str(a), length(cols)))
    next
  }
  res <- suppressWarnings(suppressMessages(psych::alpha(X[, cols, drop = FALSE], use = "pairwise", check.keys = FALSE, warnings = FALSE)))
  drop <- res$alpha.drop
  aid <- if (length(cols) > 2) {
    vapply(seq_along(cols), function(j) sprintf('{"item":%s,"alpha":%s}', str(cols[j]), num(drop[cols[j], "raw_alpha"])), "")
  } else character(0)
  out <- c(out, sprintf('{"id":%s,"n_items":%d,"alpha":%s,"alpha_if_deleted":[%s]}',
                        str(a), length(cols), num(res$total$raw_alpha), paste(aid, collapse = ",")))
}
t_end <- proc.time()[["elapsed"]]
json <- paste0('{"tool":"psych","version":', str(as.character(packageVersion("psych"))),
               ',"model":{"id":', str(top$id), ',"version":', str(top$version), '}',
               ',"respondents":', nrow(X), ',"areas":[', paste(out, collapse = ","), ']',
               ',"seconds":{"read":', num(t_read - t_start), ',"alpha":', num(t_end - t_read),
               ',"total":', num(t_end - t_start), '}}')
if (opt$output == "" || opt$output == "-") cat(json, "\n", sep = "") else writeLines(json, opt$output)
