# eRm peer for the calibration benchmark: conditional maximum likelihood
# Rasch (RM) for 2-point scales, partial credit (PCM) or rating scale (RSM)
# for more points, ML person parameters, item infit/outfit (MSQ) and person
# separation reliability, written as JSON in the item-location convention of
# `simm calibrate` (location = difficulty, higher = harder, centred at 0 over
# the items; a polytomous item's location is the mean of its thresholds).
#
# Usage:
#   Rscript bench/calibrate/erm.R --responses SHEET.csv --model MODEL.toml \
#       [--method rasch|pcm|rsm] [--output OUT.json]
#
# The sheet is simm's format (respondent, attribute columns, then one column
# per item of the model, answers 1..points, empty = missing). Needs the
# Debian package r-cran-erm. Sign conventions: eRm's betapar are easiness
# parameters (P(X=1) = exp(theta + beta) / (1 + exp(theta + beta))), so a
# dichotomous item's difficulty is -beta; for PCM/RSM eRm's thresholds()
# already gives difficulties (threshold_ih = -(beta_ih - beta_i,h-1)).
suppressPackageStartupMessages(library(eRm))

t_start <- proc.time()[["elapsed"]]
script_file <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)[1]
source(file.path(dirname(normalizePath(sub("^--file=", "", script_file))), "common.R"))
opt <- parse_options("erm.R", list(responses = NULL, model = NULL, method = NULL, output = ""))
model <- read_model("erm.R", opt$model)
method <- choose_method("erm.R", opt$method, model$points)
X <- read_answers("erm.R", opt$responses, model) # categories 0..points-1
t_read <- proc.time()[["elapsed"]]

# ---- CML item parameters ---------------------------------------------------
fit <- switch(method, rasch = RM(X), pcm = PCM(X), rsm = RSM(X))
L <- ncol(X)
m <- apply(X, 2L, max, na.rm = TRUE)
if (method == "rasch") {
  location <- -fit$betapar # eRm: easiness -> difficulty
  se <- fit$se.beta
  thresholds <- lapply(location, function(x) c(x))
} else {
  th <- thresholds(fit)$threshtable[[1]]
  location <- th[, "Location"]
  thresholds <- lapply(seq_len(L), function(j) unname(th[j, -1][!is.na(th[j, -1])]))
  # beta_i,m = -(sum of the item's thresholds) = -m * location
  last <- cumsum(m)
  se <- fit$se.beta[last] / m
}
shift <- mean(location)
location <- unname(location - shift)
thresholds <- lapply(thresholds, function(t) unname(t - shift))
t_fit <- proc.time()[["elapsed"]]

# ---- persons, item fit, separation reliability -----------------------------
pp <- person.parameter(fit)
t_pp <- proc.time()[["elapsed"]]
ifit <- itemfit(pp)
outfit <- unname(ifit$i.outfitMSQ)
infit <- unname(ifit$i.infitMSQ)
# eRm's itemfit sums the information of missing cells without na.rm, so its
# infit is NA for every item with a missing answer: recompute it from the same
# matrices, leaving missing cells out (identical to eRm's when nothing is missing).
if (any(is.na(infit))) {
  VE <- eRm:::pifit.internal(pp)
  Xin <- if (length(pp$pers.ex) == 0) pp$X else pp$X[-pp$pers.ex, , drop = FALSE]
  Vm <- VE$Vmat
  Vm[is.na(Xin)] <- NA
  sq <- (Xin - VE$Emat)^2 / Vm
  infit <- unname(colSums(sq * Vm, na.rm = TRUE) / colSums(Vm, na.rm = TRUE))
  outfit <- unname(colSums(sq, na.rm = TRUE) / colSums(!is.na(Xin)))
}
seprel <- SepRel(pp)$sep.rel
t_fitstat <- proc.time()[["elapsed"]]

answered <- colSums(!is.na(X))
raw <- rowSums(X, na.rm = TRUE)
maxraw <- as.vector((!is.na(X)) %*% m)
n_answered <- rowSums(!is.na(X))

# ---- JSON ------------------------------------------------------------------
num <- function(x) ifelse(is.na(x) | !is.finite(x), "null", sprintf("%.17g", x))
str <- function(x) paste0('"', gsub('(["\\\\])', "\\\\\\1", x), '"')
arr <- function(x) paste0("[", paste(num(x), collapse = ","), "]")
items_json <- vapply(seq_len(L), function(j) {
  sprintf('{"id":%s,"area":%s,"stage":%d,"answered":%d,"location":%s,"se":%s,"infit":%s,"outfit":%s,"thresholds":%s}',
          str(model$items$id[j]), str(model$items$area[j]), model$items$stage[j], answered[j],
          num(location[j]), num(se[j]), num(infit[j]), num(outfit[j]), arr(thresholds[[j]]))
}, "")
t_end <- proc.time()[["elapsed"]]
json <- paste0(
  '{"tool":"eRm","version":', str(as.character(packageVersion("eRm"))),
  ',"model":{"id":', str(model$id), ',"version":', str(model$version), '}',
  ',"method":', str(method), ',"estimator":"cml","respondents":', nrow(X),
  ',"items":[', paste(items_json, collapse = ","), ']',
  ',"persons":{"n":', nrow(X), ',"extreme_minimum":', sum(n_answered > 0 & raw == 0),
  ',"extreme_maximum":', sum(n_answered > 0 & raw == maxraw), ',"separation_reliability":', num(seprel), '}',
  ',"loglik":', num(fit$loglik), ',"iterations":', num(fit$iter),
  ',"seconds":{"read":', num(t_read - t_start), ',"fit":', num(t_fit - t_read),
  ',"persons":', num(t_pp - t_fit), ',"itemfit":', num(t_fitstat - t_pp),
  ',"total":', num(t_end - t_start), '}}')
if (opt$output == "" || opt$output == "-") cat(json, "\n", sep = "") else writeLines(json, opt$output)
