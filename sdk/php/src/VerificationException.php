<?php

declare(strict_types=1);

namespace Aether\Phase;

/** A receipt that is not signed by the pinned provider key or does not match the output. */
final class VerificationException extends \RuntimeException
{
}
