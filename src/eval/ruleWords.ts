// What each failure rule means, in a user's words. The rules keep BFCL's error_type names (results
// compare with BFCL's score files), and a user reading "ast_decoder:decoder_failed" in a table of
// failures learns nothing; every view that counts failures by rule says these words beside the name.

const WORDS: Record<string, string> = {
  'ast_decoder:decoder_failed': 'the calls could not be parsed',
  'length:cut_off': 'cut off by the token limit before the answer ended',
  'relevance_error:decoder_failed': 'no call where one was expected',
  'irrelevance_error:decoder_success': 'a call where none should be made',
  'simple_function_checker:wrong_count': 'another number of calls than one',
  'multiple_function_checker:wrong_count': 'another number of calls than expected',
  'parallel_function_checker_no_order:wrong_count': 'another number of calls than expected',
  'parallel_function_checker_no_order:cannot_find_match': 'a call that matches none of the expected ones',
  'simple_function_checker:wrong_func_name': 'another function than expected',
  'simple_function_checker:missing_required': 'a required argument left out',
  'simple_function_checker:missing_optional': 'an argument the expected answer needs left out',
  'simple_function_checker:unexpected_param': 'an argument the function does not take',
  'type_error:simple': 'an argument of the wrong type',
  'type_error:nested': 'a wrong type inside a list argument',
  'value_error:string': 'a text argument with another value than expected',
  'value_error:others': 'an argument with another value than expected',
  'value_error:dict_key': 'an object argument with other keys than expected',
  'value_error:dict_value': 'an object argument with another value than expected',
  'value_error:list_dict_count': 'a list of objects of another length than expected',
  'dict_checker:unclear': 'an object argument with nothing to compare it with',
  'list_dict_checker:unclear': 'a list of objects with nothing to compare it with',
  'checker:bad_ground_truth': 'the expected answer names a function no tool offers',
  'checker:bad_schema': 'a tool schema the checker cannot read',
};

/** The rules a failure may be counted under, each with its words. */
export const FAILURE_RULES: readonly string[] = Object.keys(WORDS);

/** `rule` in words (the rule itself for one these words do not know, such as a newer BFCL's). */
export function ruleWords(rule: string): string {
  return WORDS[rule] ?? rule;
}

/** `rule` as a report names it: its words, then the rule (the rule alone where no words know it). */
export function ruleText(rule: string): string {
  const words = ruleWords(rule);
  return words === rule ? rule : `${words} (${rule})`;
}
