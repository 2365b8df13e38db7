"""Answer questions about the catalog, deterministically: no network, no language model.

A question is read in steps (``engine``): the text is tidied (``parsing``), its *intent*
is recognised from keywords in English or Korean (``intents``: ``who directed``, ``작사``,
``bday``, ``리더`` …), and the words that are not keywords form candidate names, which go
through the resolver (``finding``: aliases, Hangul, romanizations, spacing and typos work as
in autocomplete). Answers are built only from stored facts and carry their sources
(``answers`` for one hop, ``chains`` for two, ``checks`` for yes/no questions and false
premises), in the language of the question. When the entity is unknown or ambiguous, or
no fact is stored, the answer says so and offers what is known: it never guesses.
"""

from bot.knowledge.ask.engine import HELP, answer, answer_for
from bot.knowledge.ask.intents import INTENTS
from bot.knowledge.ask.model import Answer

__all__ = ["HELP", "INTENTS", "Answer", "answer", "answer_for"]
