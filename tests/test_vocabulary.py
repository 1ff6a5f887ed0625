"""One word list per concept: the web's choices are the lens's lists."""

from alliancelens.alliances.models import Level, Phase, Stage
from alliancelens.instrument import LEVELS, PHASES, STAGES


def test_the_models_choices_are_the_lens_word_lists_in_the_same_order():
    assert tuple(Phase.values) == PHASES
    assert tuple(Stage.values) == STAGES
    assert tuple(Level.values) == LEVELS
