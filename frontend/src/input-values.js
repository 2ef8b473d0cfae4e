// A model input typed in the job form, and the API's messages about it: pure, no DOM,
// so that node's test runner checks them (frontend/test/input-values.test.mjs).

export class InputError extends Error {}

/** One field's text as the input's value: a JSON value, or numbers separated by commas
 *  (or spaces) that fill one row, wrapped in leading axes of size 1 up to the rank. */
export function parseInput(text, rank, dtype) {
  const trimmed = text.trim();
  if (!trimmed) throw new InputError('Fill in this input.');
  if (/^[[{"]/.test(trimmed) || dtype === 'str') {
    try {
      return JSON.parse(trimmed);
    } catch {
      throw new InputError('This is not valid JSON: check the brackets, commas and quotes.');
    }
  }
  const values = trimmed.split(/[\s,;]+/).filter(Boolean).map((word) => {
    if (dtype === 'bool' && /^(true|false)$/i.test(word)) return word.toLowerCase() === 'true';
    const number = Number(word);
    if (!Number.isFinite(number)) throw new InputError(`“${word}” is not a number.`);
    return number;
  });
  if (rank === 0) {
    if (values.length !== 1) throw new InputError('This input takes one value.');
    return values[0];
  }
  let value = values;
  for (let axis = 1; axis < rank; axis++) value = [value];
  return value;
}

/** An API message about one input ("has shape [3]; the model needs …") as a sentence. */
export function sentence(text) {
  const trimmed = String(text).trim();
  if (!trimmed) return trimmed;
  const opened = /^(has|is|must)\b/.test(trimmed) ? `This input ${trimmed}` : trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(opened) ? opened : `${opened}.`;
}
