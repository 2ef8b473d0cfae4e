// The job form's inputs for an ONNX model ([data-pm-model-inputs], rendered by the
// server from the model's signature): one field per input, or the whole document pasted
// as JSON. On submit they become the hidden `data_ref` = "inline:" + {"inputs": {…}}
// (API.md "Artifacts and ONNX models") before forms.js signs the form; the API's
// per-input messages come back under "inputs.<name>" and are shown as sentences.
import { clearErrors, showErrors } from './forms.js';
import { InputError, parseInput, sentence } from './input-values.js';

function jsonMode(box) {
  return box.querySelector('[data-pm-input-mode][value=json]')?.checked === true;
}

function fromFields(box) {
  const inputs = {};
  const fields = {};
  for (const el of box.querySelectorAll('[data-pm-model-input]')) {
    try {
      inputs[el.dataset.pmModelInput] = parseInput(el.value, Number(el.dataset.pmRank), el.dataset.pmDtype);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      fields[`inputs.${el.dataset.pmModelInput}`] = err.message;
    }
  }
  return { inputs, fields };
}

function fromJson(box) {
  const text = box.querySelector('[data-pm-inputs-json]').value;
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return { fields: { inputs: 'This is not valid JSON: check the brackets, commas and quotes.' } };
  }
  // {"inputs": {…}} as the API wants it, or just the {name: value} object inside it.
  const inputs = doc && typeof doc === 'object' && !Array.isArray(doc) && 'inputs' in doc ? doc.inputs : doc;
  if (!inputs || typeof inputs !== 'object' || Array.isArray(inputs)) {
    return { fields: { inputs: 'Give an object that names each input: {"inputs": {"x": [[1, 2]]}}.' } };
  }
  return { inputs, fields: {} };
}

function switchMode(box) {
  const json = jsonMode(box);
  const area = box.querySelector('[data-pm-inputs-json]');
  if (json) {
    // Carry what the fields hold over to the document, where it parses.
    const { inputs } = fromFields(box);
    if (Object.keys(inputs).length) area.value = JSON.stringify({ inputs }, null, 1);
  } else {
    const { inputs } = fromJson(box);
    for (const el of box.querySelectorAll('[data-pm-model-input]')) {
      const value = inputs?.[el.dataset.pmModelInput];
      if (value !== undefined) el.value = JSON.stringify(value);
    }
  }
  box.querySelector('[data-pm-input-fields]').hidden = json;
  box.querySelector('[data-pm-input-json]').hidden = !json;
}

/** Runs before forms.js (capture phase): fill data_ref, or stop the submit and say why. */
function pack(event) {
  const form = event.target;
  const box = form instanceof HTMLFormElement ? form.querySelector('[data-pm-model-inputs]') : null;
  if (!box) return;
  const { inputs, fields } = jsonMode(box) ? fromJson(box) : fromFields(box);
  if (Object.keys(fields).length) {
    event.preventDefault();
    clearErrors(form);
    showErrors(form, { fields, message: 'Please correct the marked inputs.' });
    return;
  }
  box.querySelector('[data-pm-data-ref]').value = `inline:${JSON.stringify({ inputs })}`;
}

/** The API's per-input messages, as sentences; in JSON mode the fields are hidden, so
 *  their messages are repeated under the document. */
function explain(event) {
  const box = event.target.querySelector?.('[data-pm-model-inputs]');
  if (!box) return;
  const slots = Array.from(box.querySelectorAll('[data-error-for^="inputs."]')).filter((slot) => slot.textContent);
  for (const slot of slots) slot.textContent = sentence(slot.textContent);
  const documentSlot = box.querySelector('[data-error-for="inputs"]');
  if (documentSlot?.textContent) documentSlot.textContent = sentence(documentSlot.textContent);
  if (jsonMode(box) && documentSlot) {
    const named = slots.map((slot) => `${slot.dataset.errorFor.slice('inputs.'.length)}: ${slot.textContent}`);
    documentSlot.textContent = [documentSlot.textContent, ...named].filter(Boolean).join(' ');
  }
}

export function initModelInputs() {
  document.addEventListener('submit', pack, true);
  document.addEventListener('pm:error', explain);
  document.addEventListener('change', (event) => {
    const radio = event.target;
    if (radio instanceof HTMLInputElement && radio.hasAttribute('data-pm-input-mode')) {
      const box = radio.closest('[data-pm-model-inputs]');
      if (box) switchMode(box);
    }
  });
}
