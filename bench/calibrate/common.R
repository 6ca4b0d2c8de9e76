# Shared by the CML peers of the calibration benchmark (erm.R,
# psychotools.R): options, the model file and the response sheet, read the
# same way for both so that they see the same data. Sourced from the
# directory of the running script, not run.

# Parses --key value options into a list with the given defaults; `script`
# names the caller in messages.
parse_options <- function(script, defaults) {
  args <- commandArgs(trailingOnly = TRUE)
  opt <- defaults
  i <- 1
  while (i <= length(args)) {
    key <- sub("^--", "", args[i])
    if (!key %in% names(opt) || i == length(args)) {
      stop(sprintf("%s: unknown or incomplete option %s (see the usage at the top of the script)", script, args[i]), call. = FALSE)
    }
    opt[[key]] <- args[i + 1]
    i <- i + 2
  }
  if (is.null(opt$responses) || is.null(opt$model)) {
    stop(script, ": --responses SHEET.csv and --model MODEL.toml are required", call. = FALSE)
  }
  opt
}

# The model's items (id, area, stage), scale points, id and version, from
# the TOML file: a small line reader, enough for simm's model format.
read_model <- function(script, path) {
  lines <- readLines(path, warn = FALSE)
  section <- ""
  items <- list()
  cur <- NULL
  points <- NA
  top <- list()
  unq <- function(v) gsub('^"|"$', "", trimws(v))
  for (ln in lines) {
    ln <- sub("\\s+#.*$", "", ln)
    if (grepl("^\\s*\\[\\[?[a-z_]+\\]\\]?\\s*$", ln)) {
      if (!is.null(cur)) items[[length(items) + 1]] <- cur
      cur <- NULL
      section <- gsub("[][[:space:]]", "", ln)
      if (section == "items") cur <- list()
      next
    }
    m <- regmatches(ln, regexec("^\\s*([A-Za-z_]+)\\s*=\\s*(.*)$", ln))[[1]]
    if (length(m) == 0) next
    if (section == "items") cur[[m[2]]] <- unq(m[3])
    if (section == "scale" && m[2] == "points") points <- as.integer(m[3])
    if (section == "" ) top[[m[2]]] <- unq(m[3])
  }
  if (!is.null(cur)) items[[length(items) + 1]] <- cur
  model <- list(id = top$id, version = top$version, points = points,
                items = data.frame(id = vapply(items, `[[`, "", "id"),
                                   area = vapply(items, `[[`, "", "area"),
                                   stage = as.integer(vapply(items, `[[`, "", "stage")),
                                   stringsAsFactors = FALSE))
  if (is.na(model$points) || nrow(model$items) == 0) {
    stop(script, ": cannot read [scale] points and [[items]] from ", path, call. = FALSE)
  }
  model
}

# The method asked for, or the default for the scale (rasch for 2 points,
# pcm above), checked against the scale.
choose_method <- function(script, method, points) {
  method <- if (is.null(method)) (if (points == 2) "rasch" else "pcm") else method
  if (!method %in% c("rasch", "pcm", "rsm")) stop(script, ": --method must be rasch, pcm or rsm", call. = FALSE)
  if (method == "rasch" && points != 2) stop(script, ": --method rasch needs a 2-point scale (use --method pcm or rsm)", call. = FALSE)
  method
}

# The answers as an integer matrix of categories 0..points-1 (NA missing),
# one column per model item in model order.
read_answers <- function(script, path, model) {
  header <- strsplit(readLines(path, n = 1, warn = FALSE), ",", fixed = TRUE)[[1]]
  missing_items <- setdiff(model$items$id, header)
  if (length(missing_items)) stop(script, ": the sheet has no column for item(s) ", paste(head(missing_items, 5), collapse = ", "), call. = FALSE)
  classes <- ifelse(header %in% model$items$id, "integer", "NULL")
  X <- as.matrix(read.csv(path, colClasses = classes, check.names = FALSE, na.strings = ""))
  X <- X[, model$items$id, drop = FALSE] - 1L
  storage.mode(X) <- "integer"
  rownames(X) <- NULL
  X
}
