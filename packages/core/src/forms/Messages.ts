import type { FormLocale } from "./Definition.js"

/**
 * The message for every answer error code, in the four languages. Server and widget both take their
 * wording from here, so a person reads the same sentence whichever of them refused the answer.
 */
export const ERROR_CODES = [
  "required",
  "consent_required",
  "too_short",
  "too_long",
  "pattern",
  "invalid_email",
  "invalid_phone",
  "invalid_date",
  "not_a_number",
  "not_an_integer",
  "too_small",
  "too_large",
  "date_too_early",
  "date_too_late",
  "invalid_option",
  "too_few",
  "too_many",
  "invalid_type",
  "invalid_country",
  "invalid_canton",
  "invalid_file",
  "file_type",
  "file_too_large",
  "unknown_field",
  "hidden_field",
  "form_outdated",
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

type Catalogue = Readonly<Record<ErrorCode, string>>

const en: Catalogue = {
  required: "This field is required.",
  consent_required: "Please give your consent to continue.",
  too_short: "Please enter at least {limit} characters.",
  too_long: "Please enter at most {limit} characters.",
  pattern: "Please match the requested format.",
  invalid_email: "Please enter a valid email address.",
  invalid_phone: "Please enter a valid phone number, e.g. +41 44 123 45 67.",
  invalid_date: "Please enter a valid date.",
  not_a_number: "Please enter a number.",
  not_an_integer: "Please enter a whole number.",
  too_small: "Please enter {limit} or more.",
  too_large: "Please enter {limit} or less.",
  date_too_early: "Please choose {limit} or later.",
  date_too_late: "Please choose {limit} or earlier.",
  invalid_option: "Please choose one of the options.",
  too_few: "Please choose at least {limit}.",
  too_many: "Please choose at most {limit}.",
  invalid_type: "This answer has the wrong kind of value.",
  invalid_country: "Please choose a country from the list.",
  invalid_canton: "Please choose a canton from the list.",
  invalid_file: "Please upload the file again.",
  file_type: "This file type is not accepted. Accepted: {limit}.",
  file_too_large: "This file is too large. The limit is {limit}.",
  unknown_field: "This field is not part of the form.",
  hidden_field: "This field does not apply to your selection.",
  form_outdated: "The form has changed since you opened it. Please check your answers and send them again.",
}

const de: Catalogue = {
  required: "Dieses Feld ist erforderlich.",
  consent_required: "Bitte geben Sie Ihre Einwilligung, um fortzufahren.",
  too_short: "Bitte geben Sie mindestens {limit} Zeichen ein.",
  too_long: "Bitte geben Sie höchstens {limit} Zeichen ein.",
  pattern: "Bitte halten Sie das verlangte Format ein.",
  invalid_email: "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
  invalid_phone: "Bitte geben Sie eine gültige Telefonnummer ein, z. B. +41 44 123 45 67.",
  invalid_date: "Bitte geben Sie ein gültiges Datum ein.",
  not_a_number: "Bitte geben Sie eine Zahl ein.",
  not_an_integer: "Bitte geben Sie eine ganze Zahl ein.",
  too_small: "Bitte geben Sie {limit} oder mehr ein.",
  too_large: "Bitte geben Sie {limit} oder weniger ein.",
  date_too_early: "Bitte wählen Sie {limit} oder später.",
  date_too_late: "Bitte wählen Sie {limit} oder früher.",
  invalid_option: "Bitte wählen Sie eine der Optionen.",
  too_few: "Bitte wählen Sie mindestens {limit}.",
  too_many: "Bitte wählen Sie höchstens {limit}.",
  invalid_type: "Diese Antwort hat die falsche Art von Wert.",
  invalid_country: "Bitte wählen Sie ein Land aus der Liste.",
  invalid_canton: "Bitte wählen Sie einen Kanton aus der Liste.",
  invalid_file: "Bitte laden Sie die Datei erneut hoch.",
  file_type: "Dieser Dateityp wird nicht akzeptiert. Erlaubt: {limit}.",
  file_too_large: "Diese Datei ist zu gross. Die Grenze ist {limit}.",
  unknown_field: "Dieses Feld gehört nicht zum Formular.",
  hidden_field: "Dieses Feld gilt nicht für Ihre Auswahl.",
  form_outdated:
    "Das Formular hat sich geändert, seit Sie es geöffnet haben. Bitte prüfen Sie Ihre Angaben und senden Sie sie erneut.",
}

const fr: Catalogue = {
  required: "Ce champ est obligatoire.",
  consent_required: "Veuillez donner votre consentement pour continuer.",
  too_short: "Veuillez saisir au moins {limit} caractères.",
  too_long: "Veuillez saisir au plus {limit} caractères.",
  pattern: "Veuillez respecter le format demandé.",
  invalid_email: "Veuillez saisir une adresse e-mail valide.",
  invalid_phone: "Veuillez saisir un numéro de téléphone valide, p. ex. +41 44 123 45 67.",
  invalid_date: "Veuillez saisir une date valide.",
  not_a_number: "Veuillez saisir un nombre.",
  not_an_integer: "Veuillez saisir un nombre entier.",
  too_small: "Veuillez saisir {limit} ou plus.",
  too_large: "Veuillez saisir {limit} ou moins.",
  date_too_early: "Veuillez choisir le {limit} ou plus tard.",
  date_too_late: "Veuillez choisir le {limit} ou plus tôt.",
  invalid_option: "Veuillez choisir l’une des options.",
  too_few: "Veuillez en choisir au moins {limit}.",
  too_many: "Veuillez en choisir au plus {limit}.",
  invalid_type: "Cette réponse n’a pas le bon type de valeur.",
  invalid_country: "Veuillez choisir un pays dans la liste.",
  invalid_canton: "Veuillez choisir un canton dans la liste.",
  invalid_file: "Veuillez téléverser le fichier à nouveau.",
  file_type: "Ce type de fichier n’est pas accepté. Acceptés : {limit}.",
  file_too_large: "Ce fichier est trop volumineux. La limite est de {limit}.",
  unknown_field: "Ce champ ne fait pas partie du formulaire.",
  hidden_field: "Ce champ ne s’applique pas à votre sélection.",
  form_outdated:
    "Le formulaire a changé depuis que vous l’avez ouvert. Veuillez vérifier vos réponses et les envoyer à nouveau.",
}

const it: Catalogue = {
  required: "Questo campo è obbligatorio.",
  consent_required: "Per continuare, dia il suo consenso.",
  too_short: "Inserisca almeno {limit} caratteri.",
  too_long: "Inserisca al massimo {limit} caratteri.",
  pattern: "Rispetti il formato richiesto.",
  invalid_email: "Inserisca un indirizzo e-mail valido.",
  invalid_phone: "Inserisca un numero di telefono valido, ad es. +41 44 123 45 67.",
  invalid_date: "Inserisca una data valida.",
  not_a_number: "Inserisca un numero.",
  not_an_integer: "Inserisca un numero intero.",
  too_small: "Inserisca {limit} o più.",
  too_large: "Inserisca {limit} o meno.",
  date_too_early: "Scelga il {limit} o più tardi.",
  date_too_late: "Scelga il {limit} o prima.",
  invalid_option: "Scelga una delle opzioni.",
  too_few: "Ne scelga almeno {limit}.",
  too_many: "Ne scelga al massimo {limit}.",
  invalid_type: "Questa risposta ha un tipo di valore errato.",
  invalid_country: "Scelga un paese dall’elenco.",
  invalid_canton: "Scelga un cantone dall’elenco.",
  invalid_file: "Carichi di nuovo il file.",
  file_type: "Questo tipo di file non è accettato. Accettati: {limit}.",
  file_too_large: "Questo file è troppo grande. Il limite è {limit}.",
  unknown_field: "Questo campo non fa parte del modulo.",
  hidden_field: "Questo campo non si applica alla sua selezione.",
  form_outdated: "Il modulo è cambiato da quando l’ha aperto. Controlli le sue risposte e le invii di nuovo.",
}

const catalogues: Readonly<Record<FormLocale, Catalogue>> = { en, de, fr, it }

export const errorMessage = (code: ErrorCode, locale: FormLocale, limit?: string | number): string =>
  catalogues[locale][code].replace("{limit}", limit === undefined ? "" : String(limit))

/** `2 MB`, `512 KB`: file limits as people read them. */
export const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024
    ? `${Number((bytes / (1024 * 1024)).toFixed(1))} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`
